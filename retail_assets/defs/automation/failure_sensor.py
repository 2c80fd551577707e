"""The run-failure sensor: every failed run of this code location becomes one alert (a blocked run's names its days)."""

from collections.abc import Mapping

import dagster as dg

from retail_assets.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
    SerializableErrorInfo,
)
from retail_assets.defs.automation.blocked_runs import BlockedRun, blocked_run
from retail_assets.defs.automation.heal_sensor import HEAL_SENSOR_NAME, heal_requests
from retail_assets.defs.automation.jobs import days_label, sales_pipeline
from retail_assets.defs.resources.alerts import Alert, Alerts, BlockedRangeAlert, RunFailureAlert
from retail_assets.redaction import redact
from retail_assets.settings import Settings


def run_failure_alert_sensor(settings: Settings) -> dg.SensorDefinition:
    """Sends an alert through the alerts resource, linking to the run in the UI at RETAIL_DAGSTER_URL."""

    @dg.run_failure_sensor(
        name="run_failure_alert",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Sends one alert per failed run: run, job, assets, partitions, error and a link to the run; "
        "for a run stopped by blocking checks, the failing days with their checks and the days requested again.",
    )
    def _run_failure_alert(context: dg.RunFailureSensorContext, alerts: Alerts) -> None:
        blocked = blocked_run(context.instance, context.dagster_run, context.get_step_failure_events())
        alerts.send(run_alert(context, blocked, settings.dagster_url), context.log)

    return _run_failure_alert


def run_alert(context: dg.RunFailureSensorContext, blocked: BlockedRun | None, dagster_url: str) -> Alert:
    """The alert for the context's failed run: what blocked it, or what failed."""
    run = context.dagster_run
    if blocked is None:
        return failure_alert(context, dagster_url)
    # The same requests the heal sensor makes for this run (their run keys let the daemon start each once).
    healed = heal_requests(run.run_id, blocked) if run.job_name == sales_pipeline.name else []
    requested = [f"{days_label(request)} (by {HEAL_SENSOR_NAME})" for request in healed]
    return BlockedRangeAlert(
        run_id=run.run_id,
        job=run.job_name,
        partitions=run_partitions(run.tags),
        failing=blocked.failing,
        unattributed=blocked.unattributed,
        requested=requested,
        url=f"{dagster_url}/runs/{run.run_id}",
    )


def failure_alert(context: dg.RunFailureSensorContext, dagster_url: str) -> RunFailureAlert:
    """The alert for a run that failed for another reason than its checks."""
    run = context.dagster_run
    return RunFailureAlert(
        run_id=run.run_id,
        job=run.job_name,
        assets=run_assets(context),
        partitions=run_partitions(run.tags),
        error=failure_text(context),
        url=f"{dagster_url}/runs/{run.run_id}",
    )


def run_assets(context: dg.RunFailureSensorContext) -> list[str]:
    """The assets the run set out to materialize (its selection and its planned materializations)."""
    planned = context.instance.get_records_for_run(
        context.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    ).records
    keys = {record.event_log_entry.dagster_event.asset_key for record in planned}
    keys |= set(context.dagster_run.asset_selection or ())
    return sorted(key.to_user_string() for key in keys if key is not None)


def run_partitions(tags: Mapping[str, str]) -> str:
    """The run's business days from its tags: one day, a range 'first...last', or 'none'."""
    if PARTITION_NAME_TAG in tags:
        return tags[PARTITION_NAME_TAG]
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        return f"{tags[ASSET_PARTITION_RANGE_START_TAG]}...{tags.get(ASSET_PARTITION_RANGE_END_TAG, '?')}"
    return "none"


def failure_text(context: dg.RunFailureSensorContext) -> str:
    """The run's failure message, then each failed step's error with its causes (the run's own if none)."""
    event = context.failure_event
    lines = [event.message or "run failed"]
    step_failures = context.get_step_failure_events()
    for step_failure in step_failures:
        lines.append(f"step {step_failure.step_key}: {error_chain(step_failure.event_specific_data.error)}")
    run_error = getattr(event.event_specific_data, "error", None)
    if not step_failures and run_error is not None:
        lines.append(error_chain(run_error))  # the run failed outside any step (launch, run worker)
    # An error may quote a connection string; the alert leaves this machine.
    return redact("\n".join(lines))


def error_chain(error: SerializableErrorInfo | None) -> str:
    """An error and the errors that caused it, one per line, without stack traces."""
    # Dagster wraps every exception raised in a step in this error; what the step raised is its cause.
    if error is not None and error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    messages = []
    while error is not None:
        messages.append(error.message.strip())  # already "<class name>: <message>"
        error = error.cause
    return "\n  caused by ".join(messages)
