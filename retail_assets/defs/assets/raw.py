"""raw/sales: every landed row as text, with its source object, MD5 and line number."""

import dagster as dg

from retail_assets.defs.assets.api_sales import API_SALES
from retail_assets.defs.assets.landing import landing_sales
from retail_assets.defs.assets.ranges import merge_metadata, partition_days
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.resources.crawler import Crawler, table_schema_metadata
from retail_assets.defs.resources.glue import GlueJobs
from retail_assets.defs.resources.lake import Lake

RAW_SALES = dg.AssetKey(["raw", "sales"])


@dg.asset(
    key=RAW_SALES,
    deps=[landing_sales, API_SALES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="sales",
    kinds={"glue", "spark", "parquet"},
    description="Landed sales rows, every value kept as text (Glue job ingest_sales, then the raw crawler).",
)
def raw_sales(context: dg.AssetExecutionContext, glue: GlueJobs, crawler: Crawler, lake: Lake):
    """Run ingest_sales for each chunk of the range, then crawl raw."""
    reports = []
    for chunk in chunks(partition_days(context)):
        results = glue.run_job(
            context,
            "ingest_sales",
            {
                "landing_uri": lake.landing_uri(),
                "raw_uri": lake.table_uri("raw", "sales"),
                "start_date": chunk[0],
                "end_date": chunk[-1],
            },
        )
        reports.extend(result.metadata for result in results if result.asset_key in (None, RAW_SALES))
    columns = crawler.crawl("raw", "sales")
    return dg.MaterializeResult(
        metadata={**merge_metadata(reports), "dagster/column_schema": table_schema_metadata(columns)}
    )
