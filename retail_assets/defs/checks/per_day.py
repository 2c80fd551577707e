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
_PAGE = 1000


def evaluations_by_day(
    context: dg.AssetCheckExecutionContext, results: DayResults
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    """Each day's result as an evaluation of its partition, then the check's output."""
    (spec,) = context.check_specs
    targets = day_materializations(context.instance, spec.asset_key, list(results))
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
            target_materialization_data=targets.get(day),
        )
    (output_name,) = context.op_execution_context.selected_output_names
    yield dg.Output(None, output_name=output_name)


def day_materializations(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, days: list[str]
) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
    """The latest materialization of each day's partition (the one its evaluation checked), by day.

    Read newest first in pages, not one query per day: a year's check spent seconds on 365 queries.
    """
    found: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    records_filter = dg.AssetRecordsFilter(asset_key, asset_partitions=days)
    cursor = None
    while True:
        page = instance.fetch_materializations(records_filter, limit=_PAGE, cursor=cursor)
        for record in page.records:
            if record.partition_key not in found:
                found[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
                )
        if not page.has_more or len(found) == len(days):
            return found
        cursor = page.cursor
