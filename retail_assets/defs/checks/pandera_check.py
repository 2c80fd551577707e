"""One factory: a pandera model becomes a partition-aware asset check over the lake's days."""

from collections.abc import Sequence

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.checks.failures import failure_metadata
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.pipeline import BUSINESS_TIMEZONE_ATTR, PipelineSettings


def validate(
    model: type[pa.DataFrameModel], frame: pd.DataFrame, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    """Validate every rule lazily; a failure names each rule with its failing rows and shows up to 20 of them."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.assign(rule=_rule_names)
        rows_by_rule = cases.groupby("rule")["index"].nunique()  # schema-level failures (no row) count 0
        rules = {str(rule): int(count) for rule, count in rows_by_rule.items()}
        failing = frame.loc[frame.index.isin(cases["index"].dropna().unique())]
        return dg.AssetCheckResult(
            passed=False,
            severity=severity,
            description=f"{len(failing)} of {len(frame)} rows break {', '.join(sorted(rules))}",
            metadata={**failure_metadata(rules, failing), "rows_checked": len(frame)},
        )
    return dg.AssetCheckResult(passed=True, metadata={"rows_checked": len(frame)})


def _rule_names(cases: pd.DataFrame) -> pd.Series:
    """Each failure case's rule: the check's name, prefixed with its column for column-level checks."""
    checks = cases["check"].astype(str)
    column_level = cases["schema_context"] == "Column"
    return checks.where(~column_level, cases["column"].astype(str) + ": " + checks)


def pandera_asset_check(
    *,
    model: type[pa.DataFrameModel],
    asset: dg.AssetKey,
    table: tuple[str, str],
    columns: Sequence[str],
    name: str,
    description: str,
    blocking: bool,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetChecksDefinition:
    """A check of model over the checked days of a lake table, reading only the given columns."""

    @dg.asset_check(asset=asset, name=name, description=description, blocking=blocking, partitions_def=daily_partitions)
    def _check(context: dg.AssetCheckExecutionContext, lake: Lake, pipeline: PipelineSettings) -> dg.AssetCheckResult:
        rows = lake.read_days(*table, partition_days(context), columns=list(columns))
        if rows is None:
            return dg.AssetCheckResult(passed=True, metadata={"rows_checked": 0})
        # Nanosecond timestamps: the unit pandera's timezone-aware datetime type expects.
        frame = rows.to_pandas(coerce_temporal_nanoseconds=True)
        frame.attrs[BUSINESS_TIMEZONE_ATTR] = pipeline.business_timezone
        return validate(model, frame, severity)

    return _check
