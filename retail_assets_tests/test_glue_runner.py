"""The local Glue runner: jobs share one warm Spark session but nothing a job leaves behind reaches the next."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from retail_assets.defs.resources.local.glue_runner_process import GlueRunnerProcess
from retail_assets.defs.resources.local.parent_bound import bound_command
from retail_assets_tests.support.constants import PROJECT_ROOT
from retail_assets_tests.support.processes import alive, descendants, wait_until

# What a job can see of the traces a job may leave in its session, its context and its process: JSON, last line.
PROBE = """
import json, os, sys
from pyspark.sql import SparkSession
import glue_scripts.sales_contract as contract
spark = SparkSession.builder.getOrCreate()
hadoop = spark.sparkContext._jsc.hadoopConfiguration()
print(f"context {spark.sparkContext.applicationId}, pid {os.getpid()}, parent {os.getppid()}")
print(json.dumps({
    "views": [t.name for t in spark.catalog.listTables()],
    "global_views": [t.name for t in spark.catalog.listTables("global_temp")],
    "persistent_rdds": spark.sparkContext._jsc.sc().getPersistentRDDs().size(),
    "cached_plans": spark._jsparkSession.sharedState().cacheManager().isEmpty(),
    "shuffle_partitions": spark.conf.get("spark.sql.shuffle.partitions"),
    "custom_conf": spark.conf.get("spark.retail.left_behind", None),
    "functions": [f.name for f in spark.catalog.listFunctions() if f.name == "left_behind_udf"],
    "hadoop_custom": hadoop.get("fs.retail.left_behind"),
    "hadoop_buffer": hadoop.get("io.file.buffer.size"),
    "scheduler_pool": spark.sparkContext.getLocalProperty("spark.scheduler.pool"),
    "module_state": hasattr(contract, "LEFT_BEHIND"),
    "pipes_env": os.environ.get("DAGSTER_PIPES_CONTEXT"),
    "environment": os.environ.get("RETAIL_LEFT_BEHIND"),
    "cwd": os.getcwd(),
    "sys_path": "/left/behind" in sys.path,
}))
"""
# A job that leaves every kind of trace a Spark job can leave, then probes them (each probe must see its trace).
LEAVE_TRACES = (
    """
import os, sys
from pyspark.sql import SparkSession
import glue_scripts.sales_contract as contract
spark = SparkSession.builder.getOrCreate()
df = spark.range(10)
df.createOrReplaceTempView("left_behind")
df.createOrReplaceGlobalTempView("left_behind_globally")
df.cache().count()
spark.sparkContext.parallelize(range(5)).persist().count()
spark.conf.set("spark.sql.shuffle.partitions", "3")
spark.conf.set("spark.retail.left_behind", "yes")
spark.udf.register("left_behind_udf", lambda x: x)
spark.sparkContext._jsc.hadoopConfiguration().set("fs.retail.left_behind", "yes")
spark.sparkContext._jsc.hadoopConfiguration().set("io.file.buffer.size", "8192")
spark.sparkContext.setLocalProperty("spark.scheduler.pool", "left_behind")
contract.LEFT_BEHIND = True
os.environ["RETAIL_LEFT_BEHIND"] = "yes"
os.chdir("/")
sys.path.append("/left/behind")
print(f"argv {sys.argv[1:]}")
"""
    + PROBE
)
# A job that runs until it is stopped: one Spark task that sleeps in a Python worker.
SLEEP = """
import time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("started", flush=True)
spark.sparkContext.parallelize([1], 1).map(lambda x: time.sleep(600)).count()
"""
FAIL = "raise ValueError('bad row in landing file x')\n"


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> Path:
    """A folder of the job scripts above."""
    folder = tmp_path_factory.mktemp("scripts")
    jobs = {"leave_traces": LEAVE_TRACES, "look_for_traces": PROBE, "fail": FAIL, "sleep": SLEEP}
    for name, text in jobs.items():
        (folder / f"{name}.py").write_text(text)
    return folder


def spark_env() -> dict[str, str]:
    """The environment a runner gets: this one, with the project importable by Spark's Python workers."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYSPARK_PYTHON": sys.executable}


@pytest.fixture(scope="module")
def runner(scripts):
    """A runner over the scripts above, stopped by the test module."""
    process = GlueRunnerProcess(spark_env(), scripts, ["leave_traces", "look_for_traces", "fail", "sleep"])
    yield process
    process.stop()
    assert process.process.returncode == 0
    assert not process.folder.exists()


def ignore_signals() -> None:
    """Start a process as background processes here start: SIGINT and SIGTERM ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run(runner: GlueRunnerProcess, job: str, *argv: str, env: dict[str, str] | None = None):
    """Run a job through the client, as the Pipes subprocess does."""
    command = runner.client_command(job, list(argv))
    env = {**os.environ, **(env or {})}
    return subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=600)


def looked(runner: GlueRunnerProcess) -> tuple[dict, str]:
    """What look_for_traces found, and the first line it printed (the Spark application and the process)."""
    result = run(runner, "look_for_traces")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]), lines[0]


def test_a_job_sees_nothing_the_job_before_it_left_in_the_shared_session(runner):
    fresh, where = looked(runner)
    assert fresh["views"] == fresh["global_views"] == fresh["functions"] == []
    assert fresh["custom_conf"] is None and fresh["pipes_env"] is None and fresh["persistent_rdds"] == 0

    left = run(runner, "leave_traces", "--day", "2024-03-02", env={"DAGSTER_PIPES_CONTEXT": "first"})
    assert left.returncode == 0, left.stderr
    assert "argv ['--day', '2024-03-02']" in left.stdout
    lines = left.stdout.strip().splitlines()
    within = json.loads(lines[-1])
    # Every probe sees its trace while the job that left it runs...
    assert [key for key, value in fresh.items() if within[key] == value] == []

    after, where_after = looked(runner)
    # ...and none of them is left for the next job,
    assert after == fresh
    # while all of them ran in the same warm JVM, in the runner's process.
    assert where_after == where == lines[-2]
    assert where.endswith(f"parent {runner.process.pid}")  # the runner, under its parent_bound wrapper


def test_a_failing_job_reports_its_error_and_exit_code_and_the_runner_goes_on(runner):
    failed = run(runner, "fail")
    assert failed.returncode == 1
    assert "ValueError: bad row in landing file x" in failed.stderr

    assert looked(runner)[0]["persistent_rdds"] == 0


def test_only_the_jobs_the_runner_was_started_for_run(runner):
    refused = run(runner, "ingest_sales")
    assert refused.returncode == 2
    assert "ingest_sales is not a job of this runner" in refused.stderr
    assert runner.process.poll() is None


def test_a_cancelled_job_stops_at_once_with_its_jvm_and_the_next_job_gets_a_new_runner(runner):
    first = runner.process.pid
    # Started as LocalGlueJobs.run_job starts it, where background processes ignore SIGINT; Dagster's Pipes client
    # sends it SIGINT when the run is cancelled.
    client = subprocess.Popen(
        bound_command(runner.client_command("sleep", [])),
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=ignore_signals,  # noqa: PLW1509 (this test process starts no threads of its own)
    )
    try:
        assert client.stdout.readline() == "started\n"
        family = {first, *descendants(first)}
        assert any(b"java" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in family if alive(pid))
        client.send_signal(signal.SIGINT)
        assert client.wait(10) != 0
        # The job's Python worker, the JVM and the runner: all of them, at once.
        assert wait_until(lambda: not any(alive(pid) for pid in family), 5), [pid for pid in family if alive(pid)]
    finally:
        client.kill()
        client.wait()

    found, where = looked(runner)  # the next job runs, in a new runner
    assert runner.starts == 2 and runner.process.pid != first
    assert where.endswith(f"parent {runner.process.pid}")
    assert found["persistent_rdds"] == 0


# A run process that starts a runner and a job in it as LocalGlueJobs does, reports when the job runs, and waits.
RUN_PROCESS = """
import os, subprocess, sys, time
from pathlib import Path
from retail_assets.defs.resources.local.glue_runner_process import GlueRunnerProcess
from retail_assets.defs.resources.local.parent_bound import bound_command
runner = GlueRunnerProcess(dict(os.environ), Path(sys.argv[1]), ["sleep"])
subprocess.Popen(bound_command(runner.client_command("sleep", [])))
time.sleep(600)
"""


# A killed run: its process alone (the OOM killer, `kill -9 PID`), or its whole process group (a crash of
# `dagster dev` and everything it started, as test_run_monitoring.py does), which SIGKILLs the parent_bound
# wrappers too.
KILLS = {
    "process": lambda process: process.kill(),
    "process_group": lambda process: os.killpg(process.pid, signal.SIGKILL),
}


@pytest.mark.parametrize("kill", sorted(KILLS))
def test_a_killed_run_process_takes_its_runner_jvm_and_job_with_it(scripts, kill):
    run_process = subprocess.Popen(
        [sys.executable, "-c", RUN_PROCESS, str(scripts)],
        stdout=subprocess.PIPE,
        text=True,
        env=spark_env(),
        preexec_fn=ignore_signals,  # noqa: PLW1509
        start_new_session=True,  # a process group of its own, as dagster dev's run workers have
    )
    try:
        assert run_process.stdout.readline() == "started\n"  # the job's output, through its client
        family = descendants(run_process.pid)
        assert any(b"java" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in family if alive(pid))
        KILLS[kill](run_process)
        run_process.wait()
        assert wait_until(lambda: not any(alive(pid) for pid in family), 5), [pid for pid in family if alive(pid)]
    finally:
        run_process.kill()
        run_process.wait()
