"""cleaned/sales and quarantine/sales: DESIGN.md's cleaning rules, written by one Glue job."""

import dagster as dg

from retail_assets.defs.assets.day_figures import (
    OWNERS,
    day_map,
    day_table,
    lake_table_metadata,
    record_days,
    top_reasons,
    without_day_maps,
)
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
            group_name="cleaned",
            owners=OWNERS,
        ),
        dg.AssetSpec(
            QUARANTINE_SALES,
            deps=[RAW_SALES],
            description="Rejected landed rows, as landed, each with the reason of the first rule it broke.",
            kinds={"glue", "spark", "parquet"},
            group_name="quarantine",
            owners=OWNERS,
        ),
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def cleaned_sales(context: dg.AssetExecutionContext, glue: GlueJobs, crawler: Crawler, lake: Lake):
    """Run clean_sales for each chunk of the range, then crawl both tables."""
    days = partition_days(context)
    reports = {CLEANED_SALES: [], QUARANTINE_SALES: []}
    for chunk in chunks(days):
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
    # The pipeline's last Glue job, after every chunk: stopping the local runner after each would start a JVM per
    # chunk (a year is four).
    glue.jobs_done()
    reported = {asset_key: merge_metadata(parts) for asset_key, parts in reports.items()}
    figures = day_figures(days, reported[CLEANED_SALES], reported[QUARANTINE_SALES])
    table = day_table(list(figures.values()))
    for asset_key, row_count in ((CLEANED_SALES, "rows_cleaned"), (QUARANTINE_SALES, "rows_quarantined")):
        record_days(
            context,
            asset_key,
            {day: {"dagster/row_count": day_figure[row_count], **day_figure} for day, day_figure in figures.items()},
        )
        zone, table_name = asset_key.path
        columns = crawler.crawl(zone, table_name)
        yield dg.MaterializeResult(
            asset_key=asset_key,
            metadata={
                **without_day_maps(reported[asset_key]),
                "days": table,
                **lake_table_metadata(lake, zone, table_name),
                "dagster/column_schema": table_schema_metadata(columns),
            },
        )


def day_figures(days: list[str], cleaned: dict, quarantine: dict) -> dict[str, dict[str, object]]:
    """Per day: rows landed, cleaned and quarantined, the quarantine rate and the top reasons."""
    landed, kept = day_map(cleaned, "rows_landed_by_day"), day_map(cleaned, "rows_by_day")
    rejected, reasons = day_map(quarantine, "rows_by_day"), day_map(quarantine, "reasons_by_day")
    figures = {}
    for day in days:
        rows = landed.get(day, 0)
        figures[day] = {
            "day": day,
            "rows_landed": rows,
            "rows_cleaned": kept.get(day, 0),
            "rows_quarantined": rejected.get(day, 0),
            "quarantine_rate": f"{rejected.get(day, 0) / rows:.2%}" if rows else "-",
            "top_reasons": top_reasons(reasons.get(day, {})) or "-",
        }
    return figures
