"""The local Spark job gets an allow-listed environment, and run config cannot add Spark options."""

import json
import os
import sys

import dagster as dg
import psutil
import pytest

from retail_assets.defs.resources.glue import GLUE_JOBS, GlueJobs
from retail_assets.defs.resources.local import glue as local_glue
from retail_assets.defs.resources.local.glue import LocalGlueJobs
from retail_assets.spark_environment import allowed_environment

SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "AWS_SESSION_TOKEN": "aws-token",
    "PGPASSWORD": "pg-secret",
    "RETAIL_DATABASE_URL": "postgresql://retail:pg-secret@127.0.0.1/retail",
    "GITHUB_TOKEN": "gh-secret",
}
# A stand-in job script: reports, through Pipes, the environment it started with.
REPORTING_SCRIPT = """
import json, os
from dagster_pipes import open_dagster_pipes
with open_dagster_pipes() as pipes:
    pipes.report_asset_materialization(metadata={"environment": {"raw_value": json.dumps(dict(os.environ)), "type": "text"}})
"""


def test_the_allow_list_keeps_what_spark_needs_and_drops_secrets():
    kept = {
        "PATH": "/usr/bin", "HOME": "/root", "PYTHONPATH": "/p", "JAVA_HOME": "/jdk", "TZ": "UTC", "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8", "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": "python", "TMPDIR": "/tmp",
        "DAGSTER_PIPES_CONTEXT": "c", "DAGSTER_PIPES_MESSAGES": "m",
    }  # fmt: skip
    assert allowed_environment({**kept, **SECRETS}) == kept


@pytest.fixture
def reporting_job(tmp_path, monkeypatch):
    """The ingest job's script swapped for the reporting script (run by the Glue runner); the rest as in a run."""
    (tmp_path / "ingest_sales.py").write_text(REPORTING_SCRIPT)
    monkeypatch.setattr(local_glue, "GLUE_SCRIPTS_DIR", tmp_path)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


@dg.asset
def job_environment(glue: GlueJobs):
    """Runs the ingest job and returns what it reported."""
    return glue.run_job(dg.AssetExecutionContext.get(), "ingest_sales", {"start_date": "2024-01-01"})


def test_the_job_subprocess_starts_without_the_parents_secrets(reporting_job):
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [job_environment], resources={"glue": LocalGlueJobs(business_timezone="UTC")}, instance=instance
        )
        (materialization,) = result.asset_materializations_for_node("job_environment")
    environment = json.loads(materialization.metadata["environment"].value)
    assert not set(SECRETS) & set(environment), sorted(environment)
    assert environment["PYSPARK_SUBMIT_ARGS"] == "--driver-memory 2g pyspark-shell"
    assert environment["PYSPARK_PYTHON"] == sys.executable
    assert {"DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES", "PATH", "PYTHONPATH"} <= set(environment)


@pytest.mark.parametrize("memory", ["1g --conf spark.eventLog.dir=/tmp/x", "4g pyspark-shell", "-1g", "4G", ""])
def test_run_config_cannot_inject_spark_options(reporting_job, memory):
    run_config = {"resources": {"glue": {"config": {"spark_driver_memory": memory, "business_timezone": "UTC"}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        with pytest.raises(dg.DagsterResourceFunctionError) as refused:
            dg.materialize(
                [job_environment],
                resources={"glue": LocalGlueJobs(business_timezone="UTC")},
                instance=instance,
                run_config=run_config,
            )
        assert instance.get_runs()[0].status == dg.DagsterRunStatus.FAILURE
        # The run stopped before the job: nothing was materialized.
        assert instance.get_latest_materialization_event(dg.AssetKey("job_environment")) is None
    cause = str(refused.value.__cause__)
    assert "spark_driver_memory" in cause and "String should match pattern '^[0-9]+[kmgt]?$'" in cause


def test_a_plain_size_from_run_config_is_used(reporting_job):
    run_config = {"resources": {"glue": {"config": {"spark_driver_memory": "512m", "business_timezone": "UTC"}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [job_environment],
            resources={"glue": LocalGlueJobs(business_timezone="UTC")},
            instance=instance,
            run_config=run_config,
        )
        (materialization,) = result.asset_materializations_for_node("job_environment")
    environment = json.loads(materialization.metadata["environment"].value)
    assert environment["PYSPARK_SUBMIT_ARGS"] == "--driver-memory 512m pyspark-shell"


# Stand-in job scripts that report the process they ran in: the runner's.
PID_SCRIPT = """
import os
from dagster_pipes import open_dagster_pipes
with open_dagster_pipes() as pipes:
    pipes.report_asset_materialization(metadata={"runner_pid": {"raw_value": os.getpid(), "type": "int"}})
"""


SEEN: dict[str, object] = {}  # what the assets below saw, by asset


def glue_job_asset(name: str, job: str, deps: list, last: bool) -> dg.AssetsDefinition:
    """An asset that runs a Glue job for two chunks of days, as raw and cleaned do, and notes the processes they
    reported they ran in; the pipeline's last one then says its jobs are done, as cleaned does."""

    @dg.asset(name=name, deps=deps)
    def run_it(glue: GlueJobs):
        chunks = [glue.run_job(dg.AssetExecutionContext.get(), job, {"start_date": day}) for day in DAYS]
        SEEN[name] = {results[0].metadata["runner_pid"].value for results in chunks}
        if last:
            glue.jobs_done()
        return chunks[-1]

    return run_it


DAYS = ["2024-01-01", "2024-04-10"]
ingested = glue_job_asset("ingested", "ingest_sales", [], last=False)
cleaned = glue_job_asset("cleaned", "clean_sales", [ingested], last=True)


@dg.asset(deps=[cleaned])
def after_the_last_job() -> None:
    """Notes whether the process the clean job ran in is still alive, as the checks after it run."""
    (runner,) = SEEN["cleaned"]
    SEEN["alive_after"] = psutil.pid_exists(runner)


def test_a_runs_jobs_share_one_runner_stopped_after_the_last_glue_job(tmp_path, monkeypatch):
    SEEN.clear()
    for job in GLUE_JOBS:
        (tmp_path / f"{job}.py").write_text(PID_SCRIPT)
    monkeypatch.setattr(local_glue, "GLUE_SCRIPTS_DIR", tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [ingested, cleaned, after_the_last_job],
            resources={"glue": LocalGlueJobs(business_timezone="UTC")},
            instance=instance,
        )
    assert result.success
    # One warm runner served both jobs, each over two chunks.
    assert len(SEEN["ingested"]) == 1 and SEEN["ingested"] == SEEN["cleaned"] != {os.getpid()}, SEEN
    # Its JVM's memory is given back before the checks and the warehouse load, not at the run's end.
    assert SEEN["alive_after"] is False


def test_runs_inside_one_runner_for_these_runs_share_one_runner_stopped_when_the_block_ends(tmp_path, monkeypatch):
    SEEN.clear()
    for job in GLUE_JOBS:
        (tmp_path / f"{job}.py").write_text(PID_SCRIPT)
    monkeypatch.setattr(local_glue, "GLUE_SCRIPTS_DIR", tmp_path)
    seen = []
    with dg.DagsterInstance.ephemeral() as instance, local_glue.one_runner_for_these_runs():
        for _ in range(2):
            result = dg.materialize(
                [ingested, cleaned, after_the_last_job],
                resources={"glue": LocalGlueJobs(business_timezone="UTC")},
                instance=instance,
            )
            assert result.success
            seen.append(dict(SEEN))
    # Both runs' jobs ran in one runner, kept after each run's last Glue job and stopped by the block's end.
    (runner,) = seen[0]["ingested"]
    assert {pid for run in seen for job in ("ingested", "cleaned") for pid in run[job]} == {runner}, seen
    assert all(run["alive_after"] for run in seen)
    assert not psutil.pid_exists(runner)
