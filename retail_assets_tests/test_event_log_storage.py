"""The shipped instance's event log: Dagster's SQLite storage where Dagster keeps it, its connections kept open.

Each test runs a ranged run of a partitioned asset and a check yielding one evaluation per day (as the project's
checks do) against an instance with the shipped settings, and reads what it stored from other instances and other
processes, Dagster's stock storage among them.
"""

import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.utils import make_new_run_id

from retail_assets.event_log_storage import PooledSqliteEventLogStorage
from retail_assets.settings import PROJECT_ROOT
from retail_assets_tests.support.dagster_dev import instance_of, shipped_instance_yaml

ASSET = dg.AssetKey("sales")
RUN_SCRIPT = """
import sys
import dagster as dg
from retail_assets.dagster_private import partition_range_tags
from retail_assets.defs.checks.per_day import evaluations_by_day

days = dg.DailyPartitionsDefinition(start_date="2025-01-01")

@dg.asset(partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
def sales() -> None:
    pass

@dg.asset_check(asset=sales, partitions_def=days, blocking=True)
def has_rows(context: dg.AssetCheckExecutionContext):
    yield from evaluations_by_day(context, {day: dg.AssetCheckResult(passed=True) for day in context.partition_keys})

job = dg.Definitions(assets=[sales], asset_checks=[has_rows]).resolve_implicit_global_asset_job_def()
with dg.DagsterInstance.get() as instance:
    result = job.execute_in_process(instance=instance, tags=partition_range_tags(sys.argv[1], sys.argv[2]))
    print(type(instance.event_log_storage).__name__, result.run_id)
"""


def shipped_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME holding the instance settings `make demo` writes."""
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(shipped_instance_yaml())
    return home


def start_run(home: Path, first: str, last: str) -> subprocess.Popen:
    """A process running the job over first...last against home; prints its storage class and run id."""
    env = {"DAGSTER_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", RUN_SCRIPT, first, last], env=env, stdout=subprocess.PIPE, text=True, cwd=home
    )


def finished(process: subprocess.Popen) -> str:
    """The run id a run_job process printed, once it succeeded with the kept-connection storage."""
    try:
        out, _ = process.communicate(timeout=300)
    finally:
        process.kill()  # a no-op once it has exited
    assert process.returncode == 0
    storage, run_id = out.split()[-2:]
    assert storage == PooledSqliteEventLogStorage.__name__
    return run_id


def evaluations(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The partitions of a run's check evaluations, from its event log."""
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return sorted(record.dagster_event.event_specific_data.partition for record in records)


def test_the_event_log_is_where_dagsters_default_keeps_it_and_stock_dagster_reads_it(tmp_path):
    home = shipped_home(tmp_path)
    run_id = finished(start_run(home, "2025-01-01", "2025-01-30"))
    with instance_of(home) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        assert Path(storage._base_dir) == home / "history" / "runs"
        days = evaluations(instance, run_id)
        assert len(days) == 30 and days[0] == "2025-01-01" and days[-1] == "2025-01-30"
        materialized = instance.fetch_materializations(ASSET, limit=100).records
        # Read while this instance keeps the index's connection open: Dagster's stock storage sees every event.
        stock = SqliteEventLogStorage(str(home / "history" / "runs"))
        assert len(stock.get_records_for_run(run_id).records) == len(instance.all_logs(run_id))
        assert sorted(record.partition_key for record in materialized) == days
        check = dg.AssetCheckKey(ASSET, "has_rows")
        # Each day's planned check execution was resolved by its evaluation.
        executions = stock.get_asset_check_execution_history(check, limit=100)
        assert [execution.status.value for execution in executions] == ["SUCCEEDED"] * 30
        stock.dispose()


def test_two_processes_writing_one_instance_at_once_lose_no_event(tmp_path):
    home = shipped_home(tmp_path)
    with instance_of(home):  # created once, as `dagster dev`'s processes find it
        pass
    runs = [start_run(home, "2025-01-01", "2025-03-01"), start_run(home, "2025-03-02", "2025-05-01")]
    run_ids = [finished(process) for process in runs]
    with instance_of(home) as instance:
        assert [len(evaluations(instance, run_id)) for run_id in run_ids] == [60, 61]
        partitions = {record.partition_key for record in instance.fetch_materializations(ASSET, limit=500).records}
        assert len(partitions) == 121


def test_after_a_wipe_the_same_instance_reads_no_event_of_the_deleted_runs(tmp_path):
    home = shipped_home(tmp_path)
    first = finished(start_run(home, "2025-01-01", "2025-01-05"))
    with instance_of(home) as instance:
        assert len(evaluations(instance, first)) == 5  # the run's database opened, its connection kept
        instance.wipe()
        assert not (home / "history" / "runs" / f"{first}.db").exists()
        # A connection kept to the deleted file would still read its events.
        assert instance.all_logs(first) == []
        second = finished(start_run(home, "2025-01-06", "2025-01-07"))
        assert evaluations(instance, second) == ["2025-01-06", "2025-01-07"]


def test_a_runs_database_file_changes_with_every_event_while_another_instance_reads_it(tmp_path):
    # The webserver's live run log is a watchdog on the run's .db file, which WAL changes only at a checkpoint.
    home = shipped_home(tmp_path)
    with instance_of(home) as writer, instance_of(home) as reader:
        run = writer.add_run(dg.DagsterRun(job_name="probe", run_id=make_new_run_id()))
        database = home / "history" / "runs" / f"{run.run_id}.db"
        writer.report_engine_event("first", run)
        for seen in range(1, 6):
            changed = database.stat().st_mtime_ns
            assert len(reader.all_logs(run.run_id)) == seen  # the reader has the database open too
            writer.report_engine_event(f"event {seen}", run)
            assert database.stat().st_mtime_ns > changed
