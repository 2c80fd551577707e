"""By hand, not a test: under `dagster dev` (its daemon) a bulk upload is one ranged run, the range blocked by its bad
day heals its good days, and a missed deadline on aurora/daily_sales alerts once. Prints what the daemon did.

.venv/bin/python benchmarks/operations_under_dagster_dev.py [--days 40] [--rows 300]

It records aurora/daily_sales as last loaded yesterday in a throwaway RETAIL_HOME, starts `dagster dev` there (the
project's instance settings, the embedded PostgreSQL server) with the deadline a few minutes in the past, lands --days
consecutive days at once (the middle one with 30% negative prices), waits for the runs and stops what it started.
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
from dagster._core.definitions.instigation_logger import get_instigation_log_records
from dagster._core.scheduler.instigation import InstigatorType
from dagster._core.test_utils import freeze_time

from retail_assets.dagster_private import FreshnessState
from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.automation.heal_sensor import HEALED_FROM_TAG
from retail_assets.settings import PROJECT_ROOT
from retail_assets.warehouse.embedded_server import EmbeddedPostgres
from retail_assets.warehouse.loader import table_rows
from retail_assets_tests.support import dagster_dev
from retail_assets_tests.support.broken_prices import land_days

FIRST_DAY = date(2024, 2, 1)
WAIT_SECONDS = 45 * 60  # three Spark runs on a shared laptop
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def main() -> int:
    """Start dagster dev, land the days, wait for what the daemon does, print it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args()
    now = datetime.now(UTC)
    if now.hour == 0 and now.minute < 5:
        print("run it after 00:05 UTC: the deadline is set 3 minutes in the past, after midnight")
        return 2
    deadline = (now - timedelta(minutes=3)).strftime("%H:%M")
    home = Path(tempfile.mkdtemp(prefix="retail-ops-"))
    env = dagster_dev.environment(
        home,
        dagster_dev.shipped_instance_yaml(),
        sensor_interval_seconds=10,
        RETAIL_DAILY_SALES_DEADLINE=deadline,
        PYTHONPATH=str(PROJECT_ROOT),
    )
    env.pop("RETAIL_DATABASE_URL", None)  # the embedded server, as on a fresh clone
    with dagster_dev.instance_of(home / "dagster") as instance:
        loaded_yesterday(instance, now)
    log = home / "dagster_dev.log"
    print(f"RETAIL_HOME {home}, deadline {deadline} UTC, dagster dev log {log}")
    process = dagster_dev.start(env, log)
    started = time.monotonic()
    try:
        with dagster_dev.instance_of(home / "dagster") as instance:
            verify(instance, home, log, args.days, args.rows, started)
    finally:
        dagster_dev.stop(process)
        EmbeddedPostgres(home).stop()
    print(f"done in {time.monotonic() - started:.0f} s; dagster dev and PostgreSQL stopped")
    return 0


def loaded_yesterday(instance: dg.DagsterInstance, now: datetime) -> None:
    """aurora/daily_sales as last loaded yesterday at noon (the event stamped then): today's deadline is missed."""
    yesterday = now - timedelta(days=1)
    with freeze_time(yesterday.replace(hour=12, minute=0)):
        day = (yesterday - timedelta(days=1)).date().isoformat()
        instance.report_runless_asset_event(dg.AssetMaterialization(AURORA_DAILY_SALES, partition=day))


def verify(instance: dg.DagsterInstance, home: Path, log: Path, count: int, rows: int, started: float) -> None:
    """The three behaviours, one after another, each printed as the daemon shows it."""

    def stamp(text: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {text}", flush=True)

    # 1. The deadline: last loaded yesterday, the freshness daemon marks the table failing, one alert.
    missed = dagster_dev.wait_for(lambda: alert_ticks(instance, "daily_sales_deadline_alert"), 300, "deadline", log)
    stamp(f"freshness state {freshness(instance)}; deadline sensor: {missed[0].skip_reason!r}")

    # 2. A bulk upload: every day appears at once (a rename), the landing sensor requests one ranged run.
    days = [(FIRST_DAY + timedelta(days=offset)).isoformat() for offset in range(count)]
    bad_day = days[count // 2]
    land_days(home / "incoming", days, rows, bad_day, broken_share=0.3)
    (home / "landing").mkdir(exist_ok=True)
    (home / "incoming" / "sales").rename(home / "landing" / "sales")
    stamp(f"landed {count} days {days[0]}...{days[-1]}, {rows} rows each, {bad_day} with 30% negative prices")
    bulk = {"dagster/sensor_name": "landing_sensor"}
    (blocked,) = dagster_dev.wait_for(
        lambda: finished(instance, runs(instance, bulk)), WAIT_SECONDS, "the bulk run", log
    )
    stamp(f"landing sensor ticks with runs: {sensor_run_ticks(instance, 'landing_sensor')}")
    stamp(f"bulk run {blocked.run_id}: {blocked.status.value}, {days_of(blocked)}")

    # 3. The heal: the good stretches requested again by heal_blocked_ranges, each run once, and loaded.
    def healed() -> list[dg.DagsterRun]:
        heal_runs = runs(instance, {HEALED_FROM_TAG: blocked.run_id})
        return finished(instance, heal_runs) if len(heal_runs) >= 2 else []

    heal_runs = dagster_dev.wait_for(healed, WAIT_SECONDS, "the heal runs", log)
    for run in heal_runs:
        stamp(f"heal run {run.run_id}: {run.status.value}, {days_of(run)}, run key {run.tags.get('dagster/run_key')}")
    time.sleep(40)  # a few more ticks of every sensor: nothing more may be requested
    pipeline_runs = [run for run in runs(instance) if run.job_name == "sales_pipeline"]
    stamp(f"runs of sales_pipeline: {len(pipeline_runs)} (1 bulk + {len(heal_runs)} heal)")
    # The reports follow final/daily_sales by their own automation sensor; stopping dagster dev interrupts them.
    others = runs(instance, {"dagster/sensor_name": "report_automation"})
    stamp(f"runs of the reports started by report_automation so far: {len(others)}")
    stamp(f"heal sensor ticks with runs: {sensor_run_ticks(instance, 'heal_blocked_ranges')}")
    blocked_alerts = logged(instance, "run_failure_alert", "was stopped by blocking asset checks")
    stamp(f"blocked-run alerts: {len(blocked_alerts)}")
    for alert in blocked_alerts:
        print(alert)
    deadline_alerts = logged(instance, "daily_sales_deadline_alert", "missed its deadline")
    stamp(f"deadline alerts: {len(deadline_alerts)}")
    for alert in deadline_alerts:
        print(alert)
    stamp(f"freshness state after the heal runs loaded the table: {freshness(instance)}")
    loaded = {row["business_date"].isoformat() for row in table_rows(EmbeddedPostgres(home).url(), list(map(
        date.fromisoformat, days)))}  # fmt: skip
    stamp(
        f"days in retail.daily_sales: {len(loaded)} of {count}; the bad day {'in' if bad_day in loaded else 'not in'}"
    )


def runs(instance: dg.DagsterInstance, tags: dict[str, str] | None = None) -> list[dg.DagsterRun]:
    """The instance's runs, oldest first, optionally with tags."""
    return list(reversed(instance.get_runs(filters=dg.RunsFilter(tags=tags or {}))))


def finished(instance: dg.DagsterInstance, some: list[dg.DagsterRun]) -> list[dg.DagsterRun]:
    """The runs re-read, if every one has finished; else none."""
    fresh = [instance.get_run_by_id(run.run_id) for run in some]
    return fresh if fresh and all(run.status in FINISHED for run in fresh) else []


def days_of(run: dg.DagsterRun) -> str:
    """A run's partition or partition range, from its tags."""
    tags = run.tags
    return tags.get("dagster/partition") or (
        f"{tags.get('dagster/asset_partition_range_start')}...{tags.get('dagster/asset_partition_range_end')}"
    )


def sensor_ticks(instance: dg.DagsterInstance, name: str) -> list:
    """Every tick the daemon recorded for the sensor called name, newest first."""
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.name == name:
            return list(instance.get_ticks(state.instigator_origin_id, state.selector_id))
    return []


def sensor_run_ticks(instance: dg.DagsterInstance, name: str) -> list[list[str]]:
    """The run ids of each tick of the sensor that requested runs, oldest first."""
    return [list(tick.run_ids) for tick in reversed(sensor_ticks(instance, name)) if tick.run_ids]


def alert_ticks(instance: dg.DagsterInstance, name: str) -> list:
    """The sensor's ticks whose skip reason says an alert went out."""
    return [tick for tick in sensor_ticks(instance, name) if "alert sent" in (tick.skip_reason or "")]


def logged(instance: dg.DagsterInstance, name: str, phrase: str) -> list[str]:
    """The ERROR lines (local alerts) of the sensor's tick logs that contain phrase."""
    lines = []
    for tick in reversed(sensor_ticks(instance, name)):
        if tick.log_key:
            records = get_instigation_log_records(instance, tick.log_key)
            lines += [r["msg"] for r in records if r.get("levelname") == "ERROR" and phrase in str(r.get("msg", ""))]
    return lines


def freshness(instance: dg.DagsterInstance) -> str:
    """The freshness state Dagster's daemon recorded for aurora/daily_sales."""
    record = instance.get_freshness_state_records([AURORA_DAILY_SALES]).get(AURORA_DAILY_SALES)
    return (record.freshness_state if record else FreshnessState.UNKNOWN).value


if __name__ == "__main__":
    sys.exit(main())
