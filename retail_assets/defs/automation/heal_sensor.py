"""The heal sensor: a run stopped by blocking checks has its good days requested again, one run per stretch, for the
assets the checks kept from running."""

import dagster as dg

from retail_assets.defs.automation.blocked_runs import BlockedRun, blocked_run
from retail_assets.defs.automation.jobs import days_label, days_run_request, sales_pipeline
from retail_assets.defs.partitions import stretches

HEAL_SENSOR_NAME = "heal_blocked_ranges"
HEALED_FROM_TAG = "retail/healed_from"


def heal_sensor() -> dg.SensorDefinition:
    """Requests the good days of each blocked run of sales_pipeline again; the alert is run_failure_alert's."""

    @dg.run_failure_sensor(
        name=HEAL_SENSOR_NAME,
        monitored_jobs=[sales_pipeline],
        request_job=sales_pipeline,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="When blocking checks stop a run, requests its other days again, for the assets the checks kept "
        "from running: one run per stretch of consecutive good days, once per blocked run. Runs that failed for "
        "another reason are left alone.",
    )
    def _heal_blocked_ranges(context: dg.RunFailureSensorContext) -> dg.SensorResult | None:
        run = context.dagster_run
        blocked = blocked_run(context.instance, run, context.get_step_failure_events())
        if blocked is None:
            context.log.info(f"run {run.run_id} failed for another reason than its checks: nothing to heal")
            return None
        requests = heal_requests(run.run_id, blocked)
        context.log.info(
            f"run {run.run_id} blocked on {', '.join(blocked.failing) or 'days its checks did not name'}; "
            f"requested again: {', '.join(days_label(request) for request in requests) or 'nothing'}, for "
            f"{', '.join(key.to_user_string() for key in blocked.not_materialized) or 'no asset'}"
        )
        # None lets the same tick go on to the next failed run; a result ends the tick with these requests.
        return dg.SensorResult(run_requests=requests) if requests else None

    return _heal_blocked_ranges


def heal_requests(run_id: str, blocked: BlockedRun) -> list[dg.RunRequest]:
    """One run per stretch of consecutive good days (at most 100), keyed by the blocked run: requested once.

    Each runs only the assets the blocked run never materialized, with their checks: what it did materialize for
    the good days (the ingest and clean above the checks) passed its checks and stays as it is."""
    if not blocked.not_materialized:
        return []  # the checks that failed stopped nothing: every day is already as loaded as it will be
    return [
        days_run_request(
            first, last, f"heal:{run_id}:{first}...{last}", {HEALED_FROM_TAG: run_id}, blocked.not_materialized
        )
        for first, last in ((stretch[0], stretch[-1]) for stretch in stretches(blocked.good_days))
    ]
