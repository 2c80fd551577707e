"""Checks on cleaned/sales and quarantine/sales: the model, rows conserved, and the quarantine rate."""

import dagster as dg

from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    LINE_NUMBER,
    PARTITION_COLUMN,
    REASON,
    SOURCE_OBJECT,
    unconserved_days,
)
from retail_assets.defs.assets.cleaned import CLEANED_SALES, QUARANTINE_SALES
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.assets.raw import RAW_SALES
from retail_assets.defs.checks.models import CleanedSales, QuarantineSales
from retail_assets.defs.checks.pandera_check import pandera_asset_check
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.pipeline import PipelineSettings

WARN_RATE = 0.01

cleaned_sales_model = pandera_asset_check(
    model=CleanedSales,
    asset=CLEANED_SALES,
    table=("cleaned", "sales"),
    columns=[*CONTRACT_COLUMN_NAMES, "line_amount", "is_return", PARTITION_COLUMN],
    name="cleaned_sales_model",
    description="Keys present, quantity != 0, unit_price >= 0, exact line_amount, sold on its business day, "
    "no duplicate lines.",
    blocking=True,
)

quarantine_sales_model = pandera_asset_check(
    model=QuarantineSales,
    asset=QUARANTINE_SALES,
    table=("quarantine", "sales"),
    columns=[REASON, SOURCE_OBJECT, LINE_NUMBER, PARTITION_COLUMN],
    name="quarantine_sales_model",
    description="Every quarantined row has a reason and its source object and line.",
    blocking=False,
)


@dg.asset_check(
    asset=CLEANED_SALES,
    additional_deps=[RAW_SALES, QUARANTINE_SALES],
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
    broken = unconserved_days(landed, cleaned, quarantined)
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


def quarantine_rates(landed: dict[str, int], quarantined: dict[str, int]) -> dict[str, float]:
    """Share of landed rows quarantined, per day with rows."""
    return {day: quarantined[day] / landed[day] for day in landed if landed[day]}


def rate_result(rates: dict[str, float], error_rate: float) -> dg.AssetCheckResult:
    """WARN above 1% on any day, ERROR above error_rate; the metadata names the days."""
    warned = {day: round(rate, 4) for day, rate in rates.items() if rate > WARN_RATE}
    failed = {day: rate for day, rate in warned.items() if rate > error_rate}
    return dg.AssetCheckResult(
        passed=not warned,
        severity=dg.AssetCheckSeverity.ERROR if failed else dg.AssetCheckSeverity.WARN,
        description=(
            f"quarantine rate above {error_rate:.0%} on {sorted(failed)}"
            if failed
            else f"quarantine rate above {WARN_RATE:.0%} on {sorted(warned)}"
            if warned
            else None
        ),
        metadata={
            "days_failing": dg.MetadataValue.json(sorted(failed)),
            "rate_by_day": dg.MetadataValue.json({day: round(rate, 4) for day, rate in rates.items()}),
            "warn_above": WARN_RATE,
            "error_above": error_rate,
        },
    )


@dg.asset_check(
    asset=CLEANED_SALES,
    additional_deps=[RAW_SALES, QUARANTINE_SALES],
    partitions_def=daily_partitions,
    blocking=True,
    description="Share of a day's landed rows quarantined: WARN above 1%, ERROR (blocking) above "
    "RETAIL_QUARANTINE_ERROR_RATE (default 20%).",
)
def quarantine_rate(
    context: dg.AssetCheckExecutionContext, lake: Lake, pipeline: PipelineSettings
) -> dg.AssetCheckResult:
    """The quarantine rate of each day against the thresholds."""
    days = partition_days(context)
    rates = quarantine_rates(lake.rows_per_day("raw", "sales", days), lake.rows_per_day("quarantine", "sales", days))
    return rate_result(rates, pipeline.quarantine_error_rate)
