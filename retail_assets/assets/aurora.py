"""aurora/daily_sales: retail.daily_sales in PostgreSQL, replaced day by day from final."""

import dagster as dg
import pyarrow as pa

from retail_assets.assets.final import FINAL_DAILY_SALES
from retail_assets.assets.ranges import partition_days
from retail_assets.partitions import chunks, daily_partitions
from retail_assets.resources.lake import Lake
from retail_assets.resources.warehouse import Warehouse

AURORA_DAILY_SALES = dg.AssetKey(["aurora", "daily_sales"])


@dg.asset(
    key=AURORA_DAILY_SALES,
    deps=[FINAL_DAILY_SALES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="sales",
    kinds={"postgres"},
    description="retail.daily_sales, the table analysts read: COPY to staging, one transaction per chunk.",
)
def aurora_daily_sales(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse):
    """Load the final rows of each chunk of days into the warehouse, replacing those days."""
    loaded: dict[str, int] = {}
    for chunk in chunks(partition_days(context)):
        rows = lake.read_days("final", "daily_sales", chunk)
        result = warehouse.load_days(rows if rows is not None else pa.table({}), chunk)
        loaded.update({day: 0 for day in chunk})
        context.log.info(
            f"{chunk[0]}...{chunk[-1]}: {result.rows_deleted} rows replaced by {result.rows_inserted}"
        )
    totals = warehouse.totals(partition_days(context))
    for day, row in totals.items():
        loaded[day.isoformat()] = row["rows"]
    return dg.MaterializeResult(
        metadata={
            "rows_written": sum(loaded.values()),
            "rows_by_day": dg.MetadataValue.json(loaded),
            "net_revenue_by_day": dg.MetadataValue.json(
                {day.isoformat(): str(row["net_revenue"]) for day, row in totals.items()}
            ),
            "table": "retail.daily_sales",
        }
    )
