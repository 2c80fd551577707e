"""The report tables: each one's grain, columns and sort order, declared once for assets, exports and the catalog."""

from dataclasses import dataclass

import pyarrow as pa

MONEY = pa.decimal128(18, 4)
_TOTALS = [
    ("net_revenue", MONEY),
    ("gross_revenue", MONEY),
    ("returns_amount", MONEY),
    ("units_sold", pa.int64()),
    ("units_returned", pa.int64()),
]
DAY, MONTH = "day", "month"


@dataclass(frozen=True)
class Report:
    """A report table in the final zone, written by sql/report_<table>.sql, partitioned by business_date."""

    table: str
    grain: str  # DAY: one partition per business day; MONTH: the month's first day names its partition
    description: str
    # The columns in the SQL's SELECT order, the partition column (business_date) aside: the Glue table's columns.
    schema: pa.Schema
    # The columns that order an export's rows, after business_date: exports are byte-stable for the same data.
    sort_keys: tuple[str, ...]

    @property
    def sql_name(self) -> str:
        """The SQL file's name, without .sql."""
        return f"report_{self.table}"


def _monthly(dimension: str, what: str) -> Report:
    """A report of totals per month and one dimension."""
    return Report(
        f"{dimension.removesuffix('_id')}_sales_monthly",
        MONTH,
        f"Sales per {what} per month: net, gross, returns and units.",
        pa.schema([("month", pa.string()), (dimension, pa.string()), *_TOTALS]),
        (dimension,),
    )


REPORTS = (
    Report(
        "sales_by_day",
        DAY,
        "Sales per business day over every store: net, gross, returns, units, transactions and customers.",
        pa.schema([*_TOTALS, ("transactions", pa.int64()), ("customers", pa.int64())]),
        (),
    ),
    _monthly("brand", "brand"),
    _monthly("category", "category"),
    _monthly("store_id", "store"),
    Report(
        "top_products_monthly",
        MONTH,
        "The ten products with the highest net revenue of each month.",
        pa.schema(
            [
                ("month", pa.string()),
                ("product_rank", pa.int64()),
                ("product_id", pa.string()),
                ("product_name", pa.string()),
                ("brand", pa.string()),
                ("category", pa.string()),
                ("units_sold", pa.int64()),
                ("units_returned", pa.int64()),
                ("net_revenue", MONEY),
            ]
        ),
        ("product_rank",),
    ),
)
REPORTS_BY_TABLE = {report.table: report for report in REPORTS}
# The reports QuickSight's datasets read, one dataset each (the dashboard asset refreshes their SPICE copies).
QUICKSIGHT_REPORTS = ("sales_by_day", "brand_sales_monthly")
