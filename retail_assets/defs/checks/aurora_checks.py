"""Checks on aurora/daily_sales: PostgreSQL holds exactly final's rows and sums, one row per key."""

import dagster as dg
import pandas as pd
import pyarrow as pa

from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.assets.final import FINAL_DAILY_SALES
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.checks.final_checks import mismatches, sums_by_day
from retail_assets.defs.checks.models import DailySales
from retail_assets.defs.checks.pandera_check import validate
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.warehouse.loader import ADDITIVE_COLUMNS, DAILY_SALES_SCHEMA

# pandas reads PostgreSQL's bigints of an empty or nullable result as objects; the model wants int64.
INTEGER_COLUMNS = [field.name for field in DAILY_SALES_SCHEMA if pa.types.is_integer(field.type)]
RECONCILED = ["rows", *ADDITIVE_COLUMNS]


@dg.asset_check(
    asset=AURORA_DAILY_SALES,
    additional_deps=[FINAL_DAILY_SALES],
    partitions_def=daily_partitions,
    description="Per day, retail.daily_sales has final's row count and sums exactly, and no primary key twice.",
)
def aurora_reconciles_with_final(
    context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse
) -> dg.AssetCheckResult:
    """Row count, units and money per day in PostgreSQL against final/daily_sales."""
    days = partition_days(context)
    final = sums_by_day(
        lake.read_days("final", "daily_sales", days, columns=[*RECONCILED[1:], "business_date"]),
        {name: name for name in RECONCILED[1:]},
        days,
    )
    stored = {day.isoformat(): totals for day, totals in warehouse.totals(days).items()}
    broken = mismatches(final, stored, RECONCILED)
    duplicates = warehouse.duplicate_keys(days)
    problems = [f"differs from final on {sorted(broken)}"] * bool(broken) + [f"{len(duplicates)} keys twice"] * bool(
        duplicates
    )
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(problems) or None,
        metadata={
            "days_failing": dg.MetadataValue.json(broken),
            "duplicate_keys": dg.MetadataValue.json([{k: str(v) for k, v in row.items()} for row in duplicates]),
            "rows_by_day": dg.MetadataValue.json({day: totals["rows"] for day, totals in stored.items()}),
        },
    )


@dg.asset_check(
    asset=AURORA_DAILY_SALES,
    partitions_def=daily_partitions,
    description="The pandera DailySales model on the rows PostgreSQL holds for the days.",
)
def aurora_daily_sales_model(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    """retail.daily_sales rows of the checked days against the same model as final/daily_sales."""
    rows = pd.DataFrame(warehouse.rows(partition_days(context)), columns=list(DAILY_SALES_SCHEMA.names))
    rows["business_date"] = rows["business_date"].map(lambda day: day.isoformat()).astype(object)
    return validate(DailySales, rows.astype({column: "int64" for column in INTEGER_COLUMNS}))
