"""Checks on final/daily_sales: the model, and reconciliation with cleaned/sales to the cent."""

from decimal import Decimal

import dagster as dg
import pyarrow as pa

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.assets.cleaned import CLEANED_SALES
from retail_assets.defs.assets.final import FINAL_DAILY_SALES
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.checks.models import DAILY_SALES_CHECKED, DailySales
from retail_assets.defs.checks.pandera_check import pandera_asset_check
from retail_assets.defs.checks.per_day import evaluations_by_day
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake

daily_sales_model = pandera_asset_check(
    model=DailySales,
    asset=FINAL_DAILY_SALES,
    table=("final", "daily_sales"),
    columns=DAILY_SALES_CHECKED,
    name="daily_sales_model",
    description="One row per day, store and product; units >= 0; net_revenue = gross_revenue - returns_amount.",
    blocking=True,
)


def sums_by_day(rows: pa.Table | None, sums: dict[str, str], days: list[str]) -> dict[str, dict[str, object]]:
    """Exact sums (and row counts) per day; pyarrow adds decimals exactly, zeros for days without rows."""
    totals = {day: {"rows": 0, **{name: 0 for name in sums}} for day in days}
    if rows is None:
        return totals
    aggregates = [(column, "sum") for column in sums.values()] + [(PARTITION_COLUMN, "count")]
    for row in rows.group_by(PARTITION_COLUMN).aggregate(aggregates).to_pylist():
        totals[row[PARTITION_COLUMN]] = {
            "rows": row[f"{PARTITION_COLUMN}_count"],
            **{name: row[f"{column}_sum"] or 0 for name, column in sums.items()},
        }
    return totals


def mismatches(left: dict[str, dict], right: dict[str, dict], names: list[str]) -> dict[str, dict]:
    """Days where any named total differs, with both sides as text (exact decimals)."""
    return {
        day: {name: [str(left[day][name]), str(right[day][name])] for name in names}
        for day in left
        if any(Decimal(left[day][name]) != Decimal(right[day][name]) for name in names)
    }


@dg.asset_check(
    asset=FINAL_DAILY_SALES,
    additional_deps=[CLEANED_SALES],
    partitions_def=daily_partitions,
    blocking=True,
    description="Per day, cleaned's sum of quantity and of line_amount equal final's units and net revenue exactly.",
)
def final_reconciles_with_cleaned(context: dg.AssetCheckExecutionContext, lake: Lake):
    """Per day: sum(quantity) = units_sold - units_returned and sum(line_amount) = sum(net_revenue)."""
    days = partition_days(context)
    cleaned = sums_by_day(
        lake.read_days("cleaned", "sales", days, columns=["quantity", "line_amount", PARTITION_COLUMN]),
        {"quantity": "quantity", "amount": "line_amount"},
        days,
    )
    final = sums_by_day(
        lake.read_days(
            "final", "daily_sales", days, columns=["units_sold", "units_returned", "net_revenue", PARTITION_COLUMN]
        ),
        {"sold": "units_sold", "returned": "units_returned", "amount": "net_revenue"},
        days,
    )
    for totals in final.values():
        totals["quantity"] = totals["sold"] - totals["returned"]
    broken = mismatches(cleaned, final, ["quantity", "amount"])
    yield from evaluations_by_day(
        context,
        {
            day: dg.AssetCheckResult(
                passed=day not in broken,
                description=f"final differs from cleaned: {broken[day]}" if day in broken else None,
                metadata={"net_revenue": str(final[day]["amount"]), "units": final[day]["quantity"]},
            )
            for day in days
        },
    )
