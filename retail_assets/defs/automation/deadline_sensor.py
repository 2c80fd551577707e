"""The deadline alert: once each time Dagster's freshness daemon finds aurora/daily_sales past its deadline."""

from datetime import UTC, datetime
from urllib.parse import quote

import dagster as dg

from retail_assets.dagster_private import FreshnessState
from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.resources.alerts import Alerts, DeadlineMissedAlert
from retail_assets.settings import Settings

DEADLINE_SENSOR_NAME = "daily_sales_deadline_alert"


def deadline_sensor(settings: Settings) -> dg.SensorDefinition:
    """Alerts through the alerts resource when aurora/daily_sales's freshness state turns FAIL, once per turn."""
    deadline = f"yesterday's business day by {settings.daily_sales_deadline} {settings.timezone}"

    @dg.sensor(
        name=DEADLINE_SENSOR_NAME,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Sends one alert when aurora/daily_sales fails its freshness policy ({deadline}); "
        "Dagster's daemon evaluates the policy, this sensor only reads the state it records.",
    )
    def _deadline_alert(context: dg.SensorEvaluationContext, alerts: Alerts) -> dg.SensorResult:
        record = context.instance.get_freshness_state_records([AURORA_DAILY_SALES]).get(AURORA_DAILY_SALES)
        state = record.freshness_state if record else FreshnessState.UNKNOWN
        if state != FreshnessState.FAIL:
            return dg.SensorResult(skip_reason=f"aurora/daily_sales freshness is {state.value}")
        # The cursor is the time the state turned FAIL: the same failure is alerted once, a later one again.
        failed_at = record.updated_at.isoformat()
        if context.cursor == failed_at:
            return dg.SensorResult(skip_reason=f"the deadline missed at {failed_at} has been alerted")
        alerts.send(missed_alert(context.instance, deadline, settings.dagster_url), context.log)
        return dg.SensorResult(cursor=failed_at, skip_reason=f"deadline missed at {failed_at}: alert sent")

    return _deadline_alert


def missed_alert(instance: dg.DagsterInstance, deadline: str, dagster_url: str) -> DeadlineMissedAlert:
    """The alert, with when the table was last materialized and for which business day."""
    latest = instance.get_latest_materialization_event(AURORA_DAILY_SALES)
    if latest is None:
        last = "never"
    else:
        materialization = latest.asset_materialization
        day = (materialization.partition if materialization else None) or "unknown"
        when = datetime.fromtimestamp(latest.timestamp, UTC).isoformat(timespec="seconds")
        last = f"{when} (business day {day}, run {latest.run_id or 'none'})"
    path = "/".join(quote(part) for part in AURORA_DAILY_SALES.path)
    return DeadlineMissedAlert(
        asset=AURORA_DAILY_SALES.to_user_string(),
        deadline=deadline,
        last_updated=last,
        url=f"{dagster_url}/assets/{path}",
    )
