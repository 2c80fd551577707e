"""The dashboard's figures, read from retail.daily_sales in PostgreSQL (what analysts read), per business day."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

# The days the page covers, ending at the latest loaded day: a year keeps the file a few megabytes.
DASHBOARD_DAYS = 366
DIMENSIONS = ("brand", "category", "store_id")

LATEST_DAY = "SELECT max(business_date) AS latest FROM retail.daily_sales"

# The 7-day average is over the calendar week ending on the day (days without sales have no row); the six days
# before the first are read so that the first days' averages are whole too.
DAILY_TOTALS = """
WITH days AS (
    SELECT business_date,
           sum(net_revenue) AS net_revenue,
           sum(gross_revenue) AS gross_revenue,
           sum(returns_amount) AS returns_amount,
           sum(units_sold) AS units_sold,
           sum(units_returned) AS units_returned
    FROM retail.daily_sales
    WHERE business_date BETWEEN %(first)s - 6 AND %(last)s
    GROUP BY business_date
)
SELECT business_date, net_revenue, gross_revenue, returns_amount, units_sold, units_returned,
       round(avg(net_revenue) OVER (
           ORDER BY business_date RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW
       ), 4) AS net_revenue_7day_avg,
       round(returns_amount / nullif(gross_revenue, 0), 4) AS returns_rate
FROM days
ORDER BY business_date
"""

# An empty or missing brand or category is shown as '(none)', as the monthly reports name it.
PER_DIMENSION = sql.SQL("""
SELECT business_date, coalesce(nullif({column}, ''), '(none)') AS {column},
       sum(net_revenue) AS net_revenue, sum(units_sold) AS units_sold
FROM retail.daily_sales
WHERE business_date BETWEEN %(first)s AND %(last)s
GROUP BY 1, 2
ORDER BY 1, 2
""")

PER_PRODUCT = """
SELECT business_date, product_id, coalesce(max(product_name), product_id) AS product,
       sum(net_revenue) AS net_revenue, sum(units_sold) AS units_sold
FROM retail.daily_sales
WHERE business_date BETWEEN %(first)s AND %(last)s
GROUP BY business_date, product_id
ORDER BY business_date, product_id
"""


@dataclass(frozen=True)
class Figures:
    """Every figure of the page: rows per business day, as PostgreSQL computed them."""

    first_day: date | None
    last_day: date | None
    daily: list[dict]
    per_dimension: dict[str, list[dict]]
    per_product: list[dict]

    @property
    def total_net_revenue(self) -> Decimal:
        """Net revenue over the page's days."""
        return sum((row["net_revenue"] for row in self.daily), Decimal(0))


def read_figures(conninfo: str) -> Figures:
    """The figures of the latest DASHBOARD_DAYS days in the warehouse (none when it is empty)."""
    with psycopg.connect(conninfo, row_factory=dict_row) as connection:
        last = connection.execute(LATEST_DAY).fetchone()["latest"]
        if last is None:
            return Figures(None, None, [], {dimension: [] for dimension in DIMENSIONS}, [])
        days = {"first": last - timedelta(days=DASHBOARD_DAYS - 1), "last": last}
        daily = connection.execute(DAILY_TOTALS, days).fetchall()
        per_dimension = {
            dimension: connection.execute(PER_DIMENSION.format(column=sql.Identifier(dimension)), days).fetchall()
            for dimension in DIMENSIONS
        }
        per_product = connection.execute(PER_PRODUCT, days).fetchall()
    daily = [row for row in daily if row["business_date"] >= days["first"]]
    return Figures(daily[0]["business_date"], last, daily, per_dimension, per_product)
