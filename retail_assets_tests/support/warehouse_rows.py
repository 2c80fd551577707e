"""What PostgreSQL holds for the end-to-end tests: retail.daily_sales net revenue by day, store and product."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from retail_assets.warehouse.loader import table_rows


def warehouse_net(database_url: str, days: list[str]) -> dict[str, dict[tuple[str, str], Decimal]]:
    """net_revenue by day and (store, product) as PostgreSQL holds it."""
    net = defaultdict(dict)
    for row in table_rows(database_url, [date.fromisoformat(day) for day in days]):
        net[row["business_date"].isoformat()][(row["store_id"], row["product_id"])] = row["net_revenue"]
    return net
