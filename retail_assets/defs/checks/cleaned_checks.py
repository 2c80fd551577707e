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
from retail_assets.defs.checks.per_day import evaluations_by_day
from retail_assets.defs.checks.usual_band import (
    MIN_RATE_HALF_WIDTH,
    band_metadata,
    histories,
    too_little_history,
    usual_band,
)
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.pipeline import PipelineSettings

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
def rows_conserved(context: dg.AssetCheckExecutionContext, lake: Lake):
    """Per day, rows landed = rows cleaned + rows quarantined."""
    days = partition_days(context)
    landed = lake.rows_per_day("raw", "sales", days)
    cleaned = lake.rows_per_day("cleaned", "sales", days)
    quarantined = lake.rows_per_day("quarantine", "sales", days)
    broken = unconserved_days(landed, cleaned, quarantined)
    yield from evaluations_by_day(
        context,
        {
            day: dg.AssetCheckResult(
                passed=day not in broken,
                description="rows lost or doubled between raw and cleaned + quarantine" if day in broken else None,
                metadata={
                    "rows_landed": landed[day],
                    "rows_cleaned": cleaned[day],
                    "rows_quarantined": quarantined[day],
                },
            )
            for day in days
        },
    )


def quarantine_rates(landed: dict[str, int], quarantined: dict[str, int]) -> dict[str, float]:
    """Share of landed rows quarantined, per day with rows."""
    return {day: quarantined[day] / landed[day] for day in landed if landed[day]}


def rate_result(rate: float | None, history: list[float], error_rate: float) -> dg.AssetCheckResult:
    """ERROR above error_rate; WARN above the usual band of the same weekdays; a pass otherwise."""
    band = usual_band(history, MIN_RATE_HALF_WIDTH)
    metadata = {"error_above": error_rate, **band_metadata(band, len(history))}
    if rate is None:
        return dg.AssetCheckResult(passed=True, description="no rows landed", metadata=metadata)
    metadata["quarantine_rate"] = round(rate, 4)
    if rate > error_rate:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{rate:.1%} of the day's rows quarantined, above the {error_rate:.0%} that blocks a day",
            metadata=metadata,
        )
    if band is None:
        return dg.AssetCheckResult(passed=True, description=too_little_history(len(history)), metadata=metadata)
    if rate > band.high:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{rate:.1%} quarantined, above the usual {band.median:.1%} (up to {band.high:.1%}) "
            f"of the last {band.history} same weekdays",
            metadata=metadata,
        )
    return dg.AssetCheckResult(passed=True, metadata=metadata)


@dg.asset_check(
    asset=CLEANED_SALES,
    additional_deps=[RAW_SALES, QUARANTINE_SALES],
    partitions_def=daily_partitions,
    blocking=True,
    description="Share of a day's landed rows quarantined: WARN above what is usual for the same weekday "
    "(median + 3 MAD of the last 8), ERROR (blocking) above RETAIL_QUARANTINE_ERROR_RATE (default 20%).",
)
def quarantine_rate(context: dg.AssetCheckExecutionContext, lake: Lake, pipeline: PipelineSettings):
    """Each day's quarantine rate against the fixed error threshold and its weekday's usual band."""
    days = partition_days(context)
    history_days, every_day = histories(days)
    rates = quarantine_rates(
        lake.rows_per_day("raw", "sales", every_day), lake.rows_per_day("quarantine", "sales", every_day)
    )
    yield from evaluations_by_day(
        context,
        {
            day: rate_result(
                rates.get(day),
                [rates[past] for past in history_days[day] if past in rates],
                pipeline.quarantine_error_rate,
            )
            for day in days
        },
    )
