"""cleaned/sales and quarantine/sales: DESIGN.md's cleaning rules, written by one Glue job."""

import dagster as dg

from retail_assets.defs.assets.ranges import merge_metadata, partition_days
from retail_assets.defs.assets.raw import RAW_SALES
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.resources.crawler import Crawler, table_schema_metadata
from retail_assets.defs.resources.glue import GlueJobs
from retail_assets.defs.resources.lake import Lake

CLEANED_SALES = dg.AssetKey(["cleaned", "sales"])
QUARANTINE_SALES = dg.AssetKey(["quarantine", "sales"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CLEANED_SALES,
            deps=[RAW_SALES],
            description="Typed, deduplicated sales lines of their business day, with line_amount and is_return.",
            kinds={"glue", "spark", "parquet"},
        ),
        dg.AssetSpec(
            QUARANTINE_SALES,
            deps=[RAW_SALES],
            description="Rejected landed rows, as landed, each with the reason of the first rule it broke.",
            kinds={"glue", "spark", "parquet"},
        ),
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="sales",
)
def cleaned_sales(context: dg.AssetExecutionContext, glue: GlueJobs, crawler: Crawler, lake: Lake):
    """Run clean_sales for each chunk of the range, then crawl both tables."""
    reports = {CLEANED_SALES: [], QUARANTINE_SALES: []}
    for chunk in chunks(partition_days(context)):
        results = glue.run_job(
            context,
            "clean_sales",
            {
                "raw_uri": lake.table_uri("raw", "sales"),
                "cleaned_uri": lake.table_uri("cleaned", "sales"),
                "quarantine_uri": lake.table_uri("quarantine", "sales"),
                "start_date": chunk[0],
                "end_date": chunk[-1],
                "business_timezone": glue.business_timezone,
            },
        )
        for result in results:
            reports[result.asset_key].append(result.metadata)
    for asset_key in (CLEANED_SALES, QUARANTINE_SALES):
        zone, table = asset_key.path
        columns = crawler.crawl(zone, table)
        yield dg.MaterializeResult(
            asset_key=asset_key,
            metadata={**merge_metadata(reports[asset_key]), "dagster/column_schema": table_schema_metadata(columns)},
        )
