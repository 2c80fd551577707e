"""Benchmark: the dashboard asset over a year of loaded days; prints its time and the page's size.

.venv/bin/python benchmarks/dashboard_year.py [--days 365] [--rows-per-day 1100]
"""

import argparse
import os
import random
import shutil
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path


def synthetic_day(rng: random.Random, day: date, rows: int) -> list[dict]:
    """rows of retail.daily_sales for one day: distinct (store, product) pairs, 24 brands, 8 categories."""
    pairs = rng.sample([(store, product) for store in range(6) for product in range(200)], rows)
    lines = []
    for store, product in pairs:
        sold, returned = rng.randint(1, 12), rng.choice([0, 0, 0, 1])
        price = Decimal(rng.randint(39, 2499)) / 100
        gross, returns = sold * price, returned * price
        lines.append(
            {
                "business_date": day, "store_id": f"store-{store}", "product_id": f"SKU-{product:04d}",
                "product_name": f"Product {product}", "category": f"Category {product % 8}",
                "brand": f"Brand {product % 24}", "units_sold": sold, "units_returned": returned,
                "gross_revenue": gross, "returns_amount": returns, "net_revenue": gross - returns,
                "transactions": sold, "customers": max(1, sold - 1),
            }
        )  # fmt: skip
    return lines


def main() -> int:
    """Load the days into a throwaway embedded PostgreSQL, then materialize dashboards/sales and time it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows-per-day", type=int, default=1100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="retail-bench-"))
    os.environ.update(RETAIL_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    os.environ.pop("RETAIL_DATABASE_URL", None)
    (home / "dagster").mkdir(parents=True)

    import dagster as dg
    import pyarrow as pa

    from retail_assets.defs.assets.dashboard import sales_dashboard
    from retail_assets.defs.resources.environments import resources_for
    from retail_assets.settings import get_settings
    from retail_assets.warehouse.embedded_server import EmbeddedPostgres
    from retail_assets.warehouse.loader import DAILY_SALES_SCHEMA

    resources = resources_for(get_settings())
    rng = random.Random(3)
    first = date(2024, 1, 1)
    days = [first + timedelta(days=offset) for offset in range(args.days)]
    try:
        started = time.perf_counter()
        for index in range(0, len(days), 100):
            chunk = days[index : index + 100]
            rows = [row for day in chunk for row in synthetic_day(rng, day, args.rows_per_day)]
            table = pa.Table.from_pylist(rows, schema=DAILY_SALES_SCHEMA)
            resources["warehouse"].load_days(table, [day.isoformat() for day in chunk])
        print(f"loaded {args.days} days x {args.rows_per_day} rows in {time.perf_counter() - started:.1f} s")
        for attempt in ("first (charting bundle built)", "second (bundle cached)"):
            started = time.perf_counter()
            result = dg.materialize([sales_dashboard], resources=resources)
            seconds = time.perf_counter() - started
            metadata = result.asset_materializations_for_node(sales_dashboard.op.name)[0].metadata
            print(
                f"dashboards/sales, {attempt}: {seconds:.1f} s in all, {metadata['build_seconds'].value} s to build; "
                f"page {metadata['bytes'].value} bytes, {metadata['days'].value} days"
            )
    finally:
        EmbeddedPostgres(home).stop()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
