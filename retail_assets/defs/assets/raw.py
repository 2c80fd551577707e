"""raw/sales: every landed row as text, with its source object, MD5 and line number."""

import dagster as dg

from retail_assets.defs.assets.api_sales import API_SALES
from retail_assets.defs.assets.day_figures import (
    OWNERS,
    day_lists,
    day_map,
    day_table,
    lake_table_metadata,
    record_days,
    without_day_maps,
)
from retail_assets.defs.assets.landing import landing_sales
from retail_assets.defs.assets.ranges import merge_metadata, partition_days
from retail_assets.defs.automation.changed_days import landing_day_digest
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.resources.crawler import Crawler, table_schema_metadata
from retail_assets.defs.resources.glue import GlueJobs
from retail_assets.defs.resources.lake import Lake

RAW_SALES = dg.AssetKey(["raw", "sales"])
# The digest of a day's landing objects (keys and ETags) when raw read them: the landing sensor's "already done".
LANDING_DIGEST = "retail/landing_digest"


@dg.asset(
    key=RAW_SALES,
    deps=[landing_sales, API_SALES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="raw",
    owners=OWNERS,
    kinds={"glue", "spark", "parquet"},
    description="Landed sales rows, every value kept as text (Glue job ingest_sales, then the raw crawler).",
)
def raw_sales(context: dg.AssetExecutionContext, glue: GlueJobs, crawler: Crawler, lake: Lake):
    """Run ingest_sales for each chunk of the range, then crawl raw."""
    days = partition_days(context)
    # Taken before the job reads the objects: a file changed during the run makes the sensor run its day again.
    digests = {day: landing_day_digest(lake.list_landing, day, (day, day)) for day in days}
    reports = []
    for chunk in chunks(days):
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
    reported = merge_metadata(reports)
    rows, objects = day_map(reported, "rows_by_day"), day_map(reported, "objects_by_day")
    listed = day_lists(reported, "objects")
    record_days(
        context,
        RAW_SALES,
        {
            day: {
                "dagster/row_count": rows.get(day, 0),
                "landing_objects": objects.get(day, 0),
                "objects": dg.MetadataValue.json(listed.get(day, [])),
                LANDING_DIGEST: digests[day].digest,
            }
            for day in days
        },
    )
    columns = crawler.crawl("raw", "sales")
    return dg.MaterializeResult(
        metadata={
            **without_day_maps(reported),
            "days": day_table(
                [{"day": day, "landing_objects": objects.get(day, 0), "rows_landed": rows.get(day, 0)} for day in days]
            ),
            **lake_table_metadata(lake, "raw", "sales"),
            "dagster/column_schema": table_schema_metadata(columns),
        }
    )
