"""With `dagster dev` running, a file dropped into the landing folder starts a run of its day within one interval.

The instance queues runs but launches none (max_concurrent_runs: 0): what is under test is that the sensor, run by
the real daemon, asks for the run; the pipeline itself is tested elsewhere.
"""

import time

import dagster as dg
from dagster._core.scheduler.instigation import InstigatorType

from retail_assets_tests.support import dagster_dev
from retail_assets_tests.support.dagster_dev import wait_for

INTERVAL_SECONDS = 10  # shorter than the default 30 s to keep the test short; the mechanism is the same
DAY = "2024-03-08"
INSTANCE_YAML = """
concurrency:
  runs:
    max_concurrent_runs: 0
telemetry:
  enabled: false
"""


def test_a_dropped_file_starts_a_run_of_its_day(tmp_path):
    home = tmp_path / "retail"
    env = dagster_dev.environment(home, INSTANCE_YAML, INTERVAL_SECONDS)
    dagster_home = home / "dagster"
    log = tmp_path / "dagster_dev.log"
    process = dagster_dev.start(env, log)
    try:
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            wait_for(lambda: landing_sensor_ticked(instance), 60, "the landing sensor's first tick", log)
            dropped = time.monotonic()
            day_folder = home / "landing" / "sales" / DAY
            day_folder.mkdir(parents=True)
            (day_folder / "store_1.csv").write_text("transaction_id,sold_at,store_id,product_id,quantity\n")
            runs = wait_for(lambda: runs_of(instance, DAY), INTERVAL_SECONDS + 20, "a run of the day", log)
            waited = time.monotonic() - dropped
    finally:
        dagster_dev.stop(process)
    assert len(runs) == 1 and runs[0].job_name == "sales_pipeline"
    # One interval, plus the daemon's 5 s loop and the tick itself.
    assert waited <= INTERVAL_SECONDS + 10, waited


def landing_sensor_ticked(instance: dg.DagsterInstance) -> bool:
    """Whether the daemon has evaluated the landing sensor at least once."""
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.name == "landing_sensor" and instance.get_ticks(state.instigator_origin_id, state.selector_id):
            return True
    return False


def runs_of(instance: dg.DagsterInstance, day: str) -> list[dg.DagsterRun]:
    """The runs of one business day."""
    return list(instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": day})))
