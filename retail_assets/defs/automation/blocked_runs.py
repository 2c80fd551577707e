"""A failed run read from the event log: was it stopped by blocking checks alone, on which days, and what never ran."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from glue_scripts.sales_contract import business_days
from retail_assets.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
    SerializableErrorInfo,
)
from retail_assets.defs.automation.changed_days import is_day

# What a step raises when one of its blocking checks fails with ERROR severity; Dagster has no public name for it.
CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"
STEP_ERROR_WRAPPER = "DagsterExecutionStepExecutionError"
# Where a check that reports once for a range names its failing days (the checks of defs/checks/ do so).
FAILING_DAYS_METADATA = "days_failing"


@dataclass(frozen=True)
class BlockedRun:
    """A run stopped by blocking checks: its days, the failing days with their checks, checks that named no day, and
    the assets it planned but never materialized (those below the failed checks)."""

    days: list[str]
    failing: dict[str, list[str]]
    unattributed: list[str]
    not_materialized: list[dg.AssetKey]

    @property
    def good_days(self) -> list[str]:
        """The run's days no blocking check failed on; none when a failed check did not say which days it meant."""
        return [] if self.unattributed else [day for day in self.days if day not in self.failing]


def blocked_run(
    instance: dg.DagsterInstance, run: dg.DagsterRun, step_failures: Sequence[dg.DagsterEvent]
) -> BlockedRun | None:
    """The run as a BlockedRun if every failed step failed on blocking checks, else None (a Glue job, a database)."""
    errors = [failure.step_failure_data.error for failure in step_failures]
    if not errors or not all(is_check_failure(error) for error in errors):
        return None
    days = run_days(run.tags)
    failing: dict[str, set[str]] = defaultdict(set)
    unattributed: set[str] = set()
    for evaluation in failed_blocking_evaluations(instance, run.run_id):
        check = evaluation.asset_check_key.to_user_string()
        named = [day for day in evaluation_days(evaluation) if day in days]
        for day in named:
            failing[day].add(check)
        if not named:
            unattributed.add(check)
    return BlockedRun(
        days=days,
        failing={day: sorted(checks) for day, checks in sorted(failing.items())},
        unattributed=sorted(unattributed),
        not_materialized=assets_not_materialized(instance, run.run_id),
    )


def assets_not_materialized(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetKey]:
    """The assets the run planned to materialize and did not, sorted."""
    planned = run_asset_keys(instance, run_id, dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    materialized = run_asset_keys(instance, run_id, dg.DagsterEventType.ASSET_MATERIALIZATION)
    return sorted(planned - materialized, key=lambda key: key.to_user_string())


def run_asset_keys(instance: dg.DagsterInstance, run_id: str, event_type: dg.DagsterEventType) -> set[dg.AssetKey]:
    """The asset keys of the run's events of one type."""
    records = instance.get_records_for_run(run_id, of_type=event_type).records
    return {record.event_log_entry.dagster_event.asset_key for record in records}


def is_check_failure(error: SerializableErrorInfo | None) -> bool:
    """Whether a step's error is the failure of its blocking checks (raised by Dagster, perhaps wrapped)."""
    if error is not None and error.cls_name == STEP_ERROR_WRAPPER:
        error = error.cause
    return error is not None and error.cls_name == CHECK_FAILED_ERROR


def failed_blocking_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """The run's check evaluations that failed, were blocking and had ERROR severity."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [record.event_log_entry.dagster_event.event_specific_data for record in records]
    return [
        evaluation
        for evaluation in evaluations
        if not evaluation.passed and evaluation.blocking and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]


def evaluation_days(evaluation: dg.AssetCheckEvaluation) -> list[str]:
    """The days a failed evaluation is about: its partition when it reports per day, else the days its metadata names."""
    if evaluation.partition:
        return [evaluation.partition]
    named = evaluation.metadata.get(FAILING_DAYS_METADATA)
    data = named.value if isinstance(named, dg.JsonMetadataValue) else None
    return sorted(day for day in (data or []) if isinstance(day, str) and is_day(day))  # a map's keys, or a list


def run_days(tags: Mapping[str, str]) -> list[str]:
    """The business days a run targets, from its partition or partition range tags (none for neither)."""
    if PARTITION_NAME_TAG in tags:
        return business_days(tags[PARTITION_NAME_TAG], tags[PARTITION_NAME_TAG])
    if ASSET_PARTITION_RANGE_START_TAG in tags and ASSET_PARTITION_RANGE_END_TAG in tags:
        return business_days(tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG])
    return []
