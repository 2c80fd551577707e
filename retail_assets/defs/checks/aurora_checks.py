"""Checks on aurora/daily_sales: PostgreSQL holds exactly final's rows and sums, one row per key."""

import dagster as dg
import pandas as pd
import pyarrow as pa

from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.assets.final import FINAL_DAILY_SALES
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.checks.final_checks import mismatches, sums_by_day
from retail_assets.defs.checks.models import DailySales
from retail_assets.defs.checks.pandera_check import validate_days
from retail_assets.defs.checks.per_day import evaluations_by_day
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.pipeline import PipelineSettings
from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.warehouse.loader import ADDITIVE_COLUMNS, DAILY_SALES_SCHEMA

# pandas reads PostgreSQL's bigints of an empty or nullable result as objects; the model wants int64.
INTEGER_COLUMNS = [field.name for field in DAILY_SALES_SCHEMA if pa.types.is_integer(field.type)]
RECONCILED = ["rows", *ADDITIVE_COLUMNS]
# What PostgreSQL holds for a day it has no rows of.
EMPTY_DAY = {name: 0 for name in RECONCILED}


@dg.asset_check(
    asset=AURORA_DAILY_SALES,
    additional_deps=[FINAL_DAILY_SALES],
    partitions_def=daily_partitions,
    description="Per day, retail.daily_sales has final's row count and sums exactly, and no primary key twice.",
)
def aurora_reconciles_with_final(context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse):
    """Row count, units and money per day in PostgreSQL against final/daily_sales."""
    days = partition_days(context)
    final = sums_by_day(
        lake.read_days("final", "daily_sales", days, columns=[*RECONCILED[1:], "business_date"]),
        {name: name for name in RECONCILED[1:]},
        days,
    )
    stored = {day.isoformat(): totals for day, totals in warehouse.totals(days).items()}
    broken = mismatches(final, {day: stored.get(day, EMPTY_DAY) for day in days}, RECONCILED)
    duplicates = warehouse.duplicate_keys(days)
    yield from evaluations_by_day(
        context, {day: _reconciled(day, broken.get(day), duplicates, stored.get(day, EMPTY_DAY)) for day in days}
    )


def _reconciled(day: str, differs: dict | None, duplicates: list[dict], stored: dict) -> dg.AssetCheckResult:
    """One day's reconciliation: what differs from final, and the keys PostgreSQL holds twice."""
    twice = [{k: str(v) for k, v in row.items()} for row in duplicates if str(row["business_date"]) == day]
    problems = [f"differs from final: {differs}"] * bool(differs) + [f"{len(twice)} keys twice"] * bool(twice)
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(problems) or None,
        metadata={
            "rows": stored["rows"],
            "net_revenue": str(stored["net_revenue"]),
            "duplicate_keys": dg.MetadataValue.json(twice),
        },
    )


@dg.asset_check(
    asset=AURORA_DAILY_SALES,
    partitions_def=daily_partitions,
    description="The pandera DailySales model on the rows PostgreSQL holds for the days.",
)
def aurora_daily_sales_model(context: dg.AssetCheckExecutionContext, warehouse: Warehouse, pipeline: PipelineSettings):
    """retail.daily_sales rows of the checked days against the same model as final/daily_sales."""
    days = partition_days(context)
    rows = pd.DataFrame(warehouse.rows(days), columns=list(DAILY_SALES_SCHEMA.names))
    rows["business_date"] = rows["business_date"].map(lambda day: day.isoformat()).astype(object)
    rows = rows.astype({column: "int64" for column in INTEGER_COLUMNS})
    columns = list(DAILY_SALES_SCHEMA.names)
    yield from evaluations_by_day(
        context, validate_days(DailySales, rows, days, columns, pipeline, dg.AssetCheckSeverity.ERROR)
    )
