"""aurora/daily_sales: retail.daily_sales in PostgreSQL, replaced day by day from final."""

import dagster as dg
import pyarrow as pa
from psycopg.conninfo import conninfo_to_dict

from retail_assets.defs.assets.day_figures import OWNERS, day_table, record_days
from retail_assets.defs.assets.final import FINAL_DAILY_SALES
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.freshness import DAILY_SALES_FRESHNESS
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.warehouse.loader import DAILY_SALES_SCHEMA

AURORA_DAILY_SALES = dg.AssetKey(["aurora", "daily_sales"])
WAREHOUSE_TABLE = "retail.daily_sales"


def rows_to_load(final_rows: pa.Table | None) -> pa.Table:
    """final/daily_sales rows in the warehouse table's column order and types (empty when None)."""
    if final_rows is None:
        return DAILY_SALES_SCHEMA.empty_table()
    return final_rows.select(DAILY_SALES_SCHEMA.names).cast(DAILY_SALES_SCHEMA)


def table_uri(conninfo: str) -> str:
    """The table's address without user or password: postgresql://host:port/database/schema.table."""
    parts = conninfo_to_dict(conninfo)
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}/{WAREHOUSE_TABLE}"


@dg.asset(
    key=AURORA_DAILY_SALES,
    deps=[FINAL_DAILY_SALES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="aurora",
    owners=OWNERS,
    kinds={"postgres"},
    freshness_policy=DAILY_SALES_FRESHNESS,
    description="retail.daily_sales, the table analysts read: COPY to staging, one transaction per chunk.",
)
def aurora_daily_sales(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse):
    """Load the final rows of each chunk of days into the warehouse, replacing those days."""
    days = partition_days(context)
    for chunk in chunks(days):
        result = warehouse.load_days(rows_to_load(lake.read_days("final", "daily_sales", chunk)), chunk)
        context.log.info(f"{chunk[0]}...{chunk[-1]}: {result.rows_deleted} rows replaced by {result.rows_inserted}")
    totals = {day.isoformat(): row for day, row in warehouse.totals(days).items()}
    figures = {
        day: {
            "day": day,
            "rows": totals.get(day, {}).get("rows", 0),
            "net_revenue": str(totals.get(day, {}).get("net_revenue", 0)),
        }
        for day in days
    }
    record_days(
        context,
        AURORA_DAILY_SALES,
        {day: {"dagster/row_count": row["rows"], "net_revenue": row["net_revenue"]} for day, row in figures.items()},
    )
    return dg.MaterializeResult(
        metadata={
            "days": day_table(list(figures.values())),
            "dagster/table_name": WAREHOUSE_TABLE,
            "dagster/uri": table_uri(warehouse.connection()),
        }
    )
