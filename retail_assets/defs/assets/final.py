"""final/daily_sales: the Athena aggregate of cleaned sales per day, store and product."""

import dagster as dg

from retail_assets.defs.assets.cleaned import CLEANED_SALES
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.resources.athena import Athena
from retail_assets.defs.resources.crawler import Crawler, table_schema_metadata
from retail_assets.defs.resources.lake import Lake

FINAL_DAILY_SALES = dg.AssetKey(["final", "daily_sales"])


@dg.asset(
    key=FINAL_DAILY_SALES,
    deps=[CLEANED_SALES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="sales",
    kinds={"athena", "sql", "parquet"},
    description="One row per business day, store and product (Athena: sql/insert_final_daily_sales.sql).",
)
def final_daily_sales(context: dg.AssetExecutionContext, athena: Athena, crawler: Crawler, lake: Lake):
    """Rewrite the days of the range with one INSERT ... SELECT per chunk, then crawl final."""
    rows_by_day: dict[str, int] = {}
    queries = []
    for chunk in chunks(partition_days(context)):
        written = athena.replace_days("insert_final_daily_sales", chunk)
        rows_by_day.update(written.rows_by_day)
        queries.append(written.metadata)
        context.log.info(f"{chunk[0]}...{chunk[-1]}: {sum(written.rows_by_day.values())} rows, {written.metadata}")
    columns = crawler.crawl("final", "daily_sales")
    return dg.MaterializeResult(
        metadata={
            "rows_written": sum(rows_by_day.values()),
            "rows_by_day": dg.MetadataValue.json(rows_by_day),
            "queries": dg.MetadataValue.json(queries),
            "path": lake.table_uri("final", "daily_sales"),
            "sql": dg.MetadataValue.path("retail_assets/defs/sql/insert_final_daily_sales.sql"),
            "dagster/column_schema": table_schema_metadata(columns),
        }
    )
