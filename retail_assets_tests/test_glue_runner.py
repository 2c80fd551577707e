"""The local Glue runner: jobs share one warm Spark session but nothing a job leaves behind reaches the next."""

import json
import os
import subprocess
import sys

import pytest

from retail_assets.defs.resources.local.glue_runner_process import GlueRunnerProcess
from retail_assets_tests.support.constants import PROJECT_ROOT

pytestmark = pytest.mark.system  # starts a Spark JVM of its own

# A job that leaves every kind of trace a Spark job can leave in its session and process.
LEAVE_TRACES = """
import os, sys
from pyspark.sql import SparkSession
import glue_scripts.sales_contract as contract
spark = SparkSession.builder.getOrCreate()
df = spark.range(10)
df.createOrReplaceTempView("left_behind")
df.createOrReplaceGlobalTempView("left_behind_globally")
df.cache().count()
spark.conf.set("spark.sql.shuffle.partitions", "3")
spark.conf.set("spark.retail.left_behind", "yes")
spark.udf.register("left_behind_udf", lambda x: x)
contract.LEFT_BEHIND = True
print(f"context {spark.sparkContext.applicationId}, pid {os.getpid()}, parent {os.getppid()}")
print(f"argv {sys.argv[1:]}")
print(f"pipes {os.environ.get('DAGSTER_PIPES_CONTEXT')}")
"""
# A job that reports what it finds of those traces, as JSON on its last line.
LOOK_FOR_TRACES = """
import json, os
from pyspark.sql import SparkSession
import glue_scripts.sales_contract as contract
spark = SparkSession.builder.getOrCreate()
print(f"context {spark.sparkContext.applicationId}, pid {os.getpid()}, parent {os.getppid()}")
print(json.dumps({
    "views": [t.name for t in spark.catalog.listTables()],
    "global_views": [t.name for t in spark.catalog.listTables("global_temp")],
    "persistent_rdds": spark.sparkContext._jsc.sc().getPersistentRDDs().size(),
    "cached_plans": spark._jsparkSession.sharedState().cacheManager().isEmpty(),
    "shuffle_partitions": spark.conf.get("spark.sql.shuffle.partitions"),
    "custom_conf": spark.conf.get("spark.retail.left_behind", None),
    "functions": [f.name for f in spark.catalog.listFunctions() if f.name == "left_behind_udf"],
    "module_state": hasattr(contract, "LEFT_BEHIND"),
    "pipes_env": os.environ.get("DAGSTER_PIPES_CONTEXT"),
}))
"""
FAIL = "raise ValueError('bad row in landing file x')\n"


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """A runner over the three scripts above, stopped by the test module."""
    scripts = tmp_path_factory.mktemp("scripts")
    jobs = {"leave_traces": LEAVE_TRACES, "look_for_traces": LOOK_FOR_TRACES, "fail": FAIL}
    for name, text in jobs.items():
        (scripts / f"{name}.py").write_text(text)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYSPARK_PYTHON": sys.executable}
    process = GlueRunnerProcess(env, scripts, list(jobs))
    yield process
    process.stop()
    assert process.process.returncode == 0
    assert not process.folder.exists()


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
    assert "pipes first" in left.stdout
    assert fresh["shuffle_partitions"] != "3"

    after, where_after = looked(runner)
    assert after == fresh
    # ...while all of them ran in the same warm JVM, in the runner's process.
    assert where_after == where == left.stdout.splitlines()[0]
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
