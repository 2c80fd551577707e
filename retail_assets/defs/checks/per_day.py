"""One check evaluation per business day of the run, each naming its partition.

Dagster 1.13's AssetCheckResult has no partition: in a ranged run Dagster records it with none, and the per-day
records it planned for the run stay PLANNED. A check yields AssetCheckEvaluation events instead, one per day
(Dagster stores each against that day's planned record and still fails the step on a blocking ERROR), then the
check's own output, which tells Dagster the check ran.
"""

from collections.abc import Iterator, Mapping

import dagster as dg

from retail_assets.dagster_private import AssetCheckEvaluationTargetMaterializationData

DayResults = Mapping[str, dg.AssetCheckResult]


def evaluations_by_day(
    context: dg.AssetCheckExecutionContext, results: DayResults
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    """Each day's result as an evaluation of its partition, then the check's output."""
    (spec,) = context.check_specs
    for day, result in results.items():
        yield dg.AssetCheckEvaluation(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=result.passed,
            metadata=result.metadata,
            severity=result.severity,
            description=result.description,
            blocking=spec.blocking,
            partition=day,
            target_materialization_data=day_materialization(context.instance, spec.asset_key, day),
        )
    (output_name,) = context.op_execution_context.selected_output_names
    yield dg.Output(None, output_name=output_name)


def day_materialization(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, day: str
) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The latest materialization of the day's partition: the one the evaluation checked."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key, asset_partitions=[day]), limit=1)
    if not records.records:
        return None
    record = records.records[0]
    return AssetCheckEvaluationTargetMaterializationData(
        storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
    )
