"""One factory: a pandera model becomes a partitioned asset check over the lake's days, one result per day."""

from collections.abc import Sequence

import dagster as dg
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.checks.failures import failure_metadata
from retail_assets.defs.checks.models import ARROW_TEXT
from retail_assets.defs.checks.per_day import evaluations_by_day
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.pipeline import BUSINESS_TIMEZONE_ATTR, PipelineSettings

# Rows validated at once: enough that pandera's fixed cost per validation is small next to them, few enough that
# the rules' working copies stay small next to the frame itself.
VALIDATED_ROWS = 250_000
# Arrow's text types as pandas' Arrow-backed strings, for checked_frame.
_ARROW_BACKED = {pa_arrow.string(): ARROW_TEXT, pa_arrow.large_string(): ARROW_TEXT}


def checked_frame(rows: pa_arrow.Table) -> pd.DataFrame:
    """Rows read from the lake as the models check them: text Arrow-backed (ARROW_TEXT), times in nanoseconds."""
    # Nanosecond timestamps: the unit pandera's timezone-aware datetime type expects.
    return rows.to_pandas(coerce_temporal_nanoseconds=True, types_mapper=_ARROW_BACKED.get)


def validate(
    model: type[pa.DataFrameModel], frame: pd.DataFrame, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    """Validate every rule lazily; a failure names each rule with its failing rows and shows up to 20 of them."""
    cases = failure_cases(model, frame)
    return passed(len(frame)) if cases is None else failed(frame, cases, severity)


def failure_cases(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame | None:
    """Every rule's failure cases on the frame, each with its rule (None when every rule holds)."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases.assign(rule=_rule_names)
    return None


def passed(rows: int) -> dg.AssetCheckResult:
    """A pass over that many rows."""
    return dg.AssetCheckResult(passed=True, metadata={"rows_checked": rows})


def failed(frame: pd.DataFrame, cases: pd.DataFrame, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    """The failure of the frame's rows with those failure cases: each rule with its failing rows, 20 of them shown."""
    rows_by_rule = cases.groupby("rule")["index"].nunique()  # schema-level failures (no row) count 0
    rules = {str(rule): int(count) for rule, count in rows_by_rule.items()}
    failing = frame.loc[frame.index.isin(cases["index"].dropna().unique())]
    return dg.AssetCheckResult(
        passed=False,
        severity=severity,
        description=f"{len(failing)} of {len(frame)} rows break {', '.join(sorted(rules))}",
        metadata={**failure_metadata(rules, failing), "rows_checked": len(frame)},
    )


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
    def _check(context: dg.AssetCheckExecutionContext, lake: Lake, pipeline: PipelineSettings):
        days = partition_days(context)
        read = [*columns, PARTITION_COLUMN] if PARTITION_COLUMN not in columns else list(columns)
        rows = lake.read_days(*table, days, columns=read)
        frame = None if rows is None else checked_frame(rows)
        yield from evaluations_by_day(context, validate_days(model, frame, days, list(columns), pipeline, severity))

    return _check


def validate_days(
    model: type[pa.DataFrameModel],
    frame: pd.DataFrame | None,
    days: Sequence[str],
    columns: list[str],
    pipeline: PipelineSettings,
    severity: dg.AssetCheckSeverity,
) -> dict[str, dg.AssetCheckResult]:
    """The model on each day's rows (a day without rows passes, with 0 rows checked).

    Validated over batches of whole days, about VALIDATED_ROWS rows each, then told apart by day: each rule of the
    models holds row by row, or among the rows of one day (the duplicate rules' columns hold the day), so a day's
    failure cases are its result alone. One validation per day cost pandera's fixed tenth of a second 365 times in
    a year; one over the whole year, 2 GB more at its peak (each rule's working copies of every row).
    """
    results = {day: passed(0) for day in days}
    if frame is None:
        return results
    rows_of_day = frame.groupby(PARTITION_COLUMN, sort=False).indices  # one pass: each day's row positions
    batch: list[np.ndarray] = []
    for day in days:
        if day in rows_of_day:
            batch.append(rows_of_day[day])
        if batch and (day == days[-1] or sum(map(len, batch)) >= VALIDATED_ROWS):
            chosen = np.concatenate(batch)
            # A batch of every row (a day, or a short range) is the frame itself: a copy of it cost a second a million.
            whole = len(chosen) == len(frame) and frame.index.equals(pd.RangeIndex(len(frame)))
            rows = frame if whole else frame.take(chosen).reset_index(drop=True)
            results.update(_validate_batch(model, rows, columns, pipeline, severity))
            batch = []
    return results


def _validate_batch(
    model: type[pa.DataFrameModel],
    frame: pd.DataFrame,
    columns: list[str],
    pipeline: PipelineSettings,
    severity: dg.AssetCheckSeverity,
) -> dict[str, dg.AssetCheckResult]:
    """The model once over the rows of some days, each day's result from its own rows' failure cases."""
    checked = frame[columns]
    checked.attrs[BUSINESS_TIMEZONE_ATTR] = pipeline.business_timezone
    cases = failure_cases(model, checked)
    day_of_row = frame[PARTITION_COLUMN]
    if cases is None:
        return {day: passed(rows) for day, rows in day_of_row.value_counts().items()}
    # A failure of no row (a schema-level one: a column missing or of the wrong type) is every day's.
    of_rows = cases.loc[cases["index"].notna()]
    every_day = cases.loc[cases["index"].isna()]
    case_days = day_of_row.to_numpy()[of_rows["index"].astype("int64").to_numpy()]
    by_day = dict(tuple(of_rows.groupby(case_days, sort=False)))
    results = {}
    for day, rows in checked.groupby(day_of_row, sort=False):
        day_cases = pd.concat([by_day[day], every_day]) if day in by_day else every_day
        results[day] = passed(len(rows)) if day_cases.empty else failed(rows, day_cases, severity)
    return results
