"""The Dagster names this project needs that Dagster does not export: the one module that imports them."""

# Dagster 1.13 exports no public constant for the tags that mark a run's partition or partition range, yet they
# are what a single-run backfill sets and what the UI reads. Runs over a range of days, executed in process, need
# them (execute_in_process takes one partition key, not a range), and the failure alert reads them back.
# A check evaluation that names its partition points at that partition's materialization with this record; Dagster
# builds it itself only for single-partition runs (AssetCheckResult has no partition in 1.13), and exports no name.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)

# Dagster's freshness daemon records an asset's state (PASS, WARN, FAIL, ...) with this enum, which is not exported.
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

# The error a failure event carries has no public name in dagster either; dagster re-exports it from this module.
from dagster_shared.error import SerializableErrorInfo

__all__ = [
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "PARTITION_NAME_TAG",
    "AssetCheckEvaluationTargetMaterializationData",
    "FreshnessState",
    "SerializableErrorInfo",
    "partition_range_tags",
]


def partition_range_tags(start: str, end: str) -> dict[str, str]:
    """The tags of one run over the partitions start...end, as a single-run backfill sets them."""
    return {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}
