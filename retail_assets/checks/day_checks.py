"""Checks on whole days: a day with nothing landed, and rows conserved from raw to cleaned + quarantine."""

import dagster as dg

from retail_assets.assets.cleaned import CLEANED_SALES
from retail_assets.assets.ranges import partition_days
from retail_assets.assets.raw import RAW_SALES
from retail_assets.partitions import daily_partitions
from retail_assets.resources.lake import Lake


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    description="Warns when a business day has no landing object (stores closed, or data late).",
)
def landing_day_has_objects(context: dg.AssetCheckExecutionContext, lake: Lake) -> dg.AssetCheckResult:
    """Every day of the range had at least one landing object."""
    days = partition_days(context)
    empty_days = [day for day in days if not lake.landing_objects(day)]
    return dg.AssetCheckResult(
        passed=not empty_days,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"no landing objects for {len(empty_days)} of {len(days)} days" if empty_days else None,
        metadata={"empty_days": dg.MetadataValue.json(empty_days), "days_checked": len(days)},
    )


@dg.asset_check(
    asset=CLEANED_SALES,
    additional_deps=[RAW_SALES, dg.AssetKey(["quarantine", "sales"])],
    partitions_def=daily_partitions,
    blocking=True,
    description="Every landed row of a day is in exactly one of cleaned or quarantine.",
)
def rows_conserved(context: dg.AssetCheckExecutionContext, lake: Lake) -> dg.AssetCheckResult:
    """Per day, rows landed = rows cleaned + rows quarantined."""
    days = partition_days(context)
    landed = lake.rows_per_day("raw", "sales", days)
    cleaned = lake.rows_per_day("cleaned", "sales", days)
    quarantined = lake.rows_per_day("quarantine", "sales", days)
    broken = {
        day: {"landed": landed[day], "cleaned": cleaned[day], "quarantined": quarantined[day]}
        for day in days
        if landed[day] != cleaned[day] + quarantined[day]
    }
    return dg.AssetCheckResult(
        passed=not broken,
        description=f"rows lost or doubled on {len(broken)} days" if broken else None,
        metadata={
            "days_failing": dg.MetadataValue.json(broken),
            "rows_landed": sum(landed.values()),
            "rows_cleaned": sum(cleaned.values()),
            "rows_quarantined": sum(quarantined.values()),
        },
    )
