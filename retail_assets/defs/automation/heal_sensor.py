"""The heal sensor: a run stopped by blocking checks has its good days requested again, one run per stretch."""

import dagster as dg

from retail_assets.defs.automation.blocked_runs import blocked_run
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
        description="When blocking checks stop a run, requests its other days again: one run per stretch of "
        "consecutive good days, once per blocked run. Runs that failed for another reason are left alone.",
    )
    def _heal_blocked_ranges(context: dg.RunFailureSensorContext) -> dg.SensorResult | None:
        run = context.dagster_run
        blocked = blocked_run(context.instance, run, context.get_step_failure_events())
        if blocked is None:
            context.log.info(f"run {run.run_id} failed for another reason than its checks: nothing to heal")
            return None
        requests = heal_requests(run.run_id, blocked.good_days)
        context.log.info(
            f"run {run.run_id} blocked on {', '.join(blocked.failing) or 'days its checks did not name'}; "
            f"requested again: {', '.join(days_label(request) for request in requests) or 'nothing'}"
        )
        # None lets the same tick go on to the next failed run; a result ends the tick with these requests.
        return dg.SensorResult(run_requests=requests) if requests else None

    return _heal_blocked_ranges


def heal_requests(run_id: str, good_days: list[str]) -> list[dg.RunRequest]:
    """One run per stretch of consecutive good days (at most 100), keyed by the blocked run: requested once."""
    return [
        days_run_request(first, last, f"heal:{run_id}:{first}...{last}", {HEALED_FROM_TAG: run_id})
        for first, last in ((stretch[0], stretch[-1]) for stretch in stretches(good_days))
    ]
