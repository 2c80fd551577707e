"""A run whose worker died with `dagster dev` is marked FAILURE by run monitoring, and the queue moves on.

`dagster dev` runs with the shipped instance settings (only the monitoring interval shortened), a run of one day is
started by the landing sensor, then `dagster dev` and everything it started are killed while a second day's run
waits in the queue. After a restart the first run must fail, the failure alert must go out and the second run
must leave the queue.
"""

import os
import signal
import time
from pathlib import Path

import dagster as dg
import yaml

from retail_assets.run_launcher import worker_start
from retail_assets_tests.support import dagster_dev
from retail_assets_tests.support.dagster_dev import wait_for

POLL_SECONDS = 5  # run monitoring's interval, shortened from the shipped 30 s
SENSOR_SECONDS = 5
DAYS = ("2024-03-08", "2024-03-09")
CSV = "transaction_id,sold_at,store_id,product_id,quantity,unit_price\nt1,{day}T10:00:00,s1,p1,1,2.50\n"


def instance_yaml() -> str:
    """The shipped instance settings (as `make ui` writes them) with a shorter monitoring interval."""
    settings = yaml.safe_load(dagster_dev.shipped_instance_yaml())
    assert settings["run_monitoring"]["enabled"] is True
    settings["run_monitoring"]["poll_interval_seconds"] = POLL_SECONDS
    return yaml.safe_dump(settings)


def land(home: Path, day: str) -> None:
    folder = home / "landing" / "sales" / day
    folder.mkdir(parents=True)
    (folder / "store_1.csv").write_text(CSV.format(day=day))


def run_of(instance: dg.DagsterInstance, day: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": day}))
    return runs[0] if runs else None


def status_of(instance: dg.DagsterInstance, day: str) -> dg.DagsterRunStatus | None:
    run = run_of(instance, day)
    return run.status if run else None


def test_a_run_whose_worker_died_with_dagster_dev_is_failed_and_frees_the_queue(tmp_path, postgres_url):
    home = tmp_path / "retail"
    env = dagster_dev.environment(home, instance_yaml(), SENSOR_SECONDS, RETAIL_DATABASE_URL=postgres_url)
    dagster_home = home / "dagster"
    log = tmp_path / "dagster_dev.log"
    first, second = DAYS
    with dagster_dev.instance_of(dagster_home) as instance:
        process = dagster_dev.start(env, log)
        try:
            land(home, first)
            wait_for(lambda: status_of(instance, first) == dg.DagsterRunStatus.STARTED, 120, "started run", log)
            land(home, second)
            wait_for(lambda: status_of(instance, second) == dg.DagsterRunStatus.QUEUED, 60, "queued run", log)
            pid, _ = wait_for(lambda: worker_start(instance, run_of(instance, first).run_id), 30, "worker pid", log)
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # the crash: dagster dev, its daemon and the run worker
            process.wait(30)
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 30, "the worker's end", log)
        time.sleep(POLL_SECONDS)
        # The defect: nothing else would ever change this.
        assert status_of(instance, first) == dg.DagsterRunStatus.STARTED

        process = dagster_dev.start(env, log)
        try:
            wait_for(lambda: status_of(instance, first) == dg.DagsterRunStatus.FAILURE, 90, "failed run", log)
            wait_for(lambda: status_of(instance, second) != dg.DagsterRunStatus.QUEUED, 60, "dequeued run", log)
            failed = run_of(instance, first)
            wait_for(lambda: alert_sent(log, failed.run_id), 60, "failure alert", log)
        finally:
            dagster_dev.stop(process)
    messages = [
        record.event_log_entry.dagster_event.message or ""
        for record in instance_records(dagster_home, failed.run_id, dg.DagsterEventType.RUN_FAILURE)
    ]
    assert any(f"worker process {pid} of run {failed.run_id} is gone" in message for message in messages), messages


def alert_sent(log: Path, run_id: str) -> bool:
    """Whether the local alert (an error in the failure sensor's log, which dagster dev prints) names the run."""
    return f"Dagster run {run_id} failed." in log.read_text(errors="replace")


def instance_records(dagster_home: Path, run_id: str, event_type: dg.DagsterEventType):
    with dagster_dev.instance_of(dagster_home) as instance:
        return instance.get_records_for_run(run_id, of_type=event_type).records
