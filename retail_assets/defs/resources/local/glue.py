"""Local Glue jobs: the same script files run by local PySpark 3.5 (Glue 5.0's Spark) through Dagster Pipes."""

import os
import sys

import dagster as dg
import pydantic

from retail_assets.defs.resources.glue import GlueJobs, job_arguments, script_path
from retail_assets.defs.resources.local.parent_bound import bound_command
from retail_assets.defs.resources.pinned import PinnedFields
from retail_assets.settings import PROJECT_ROOT
from retail_assets.spark_environment import launcher_command


class LocalGlueJobs(PinnedFields, GlueJobs):
    """The same script file run by local PySpark 3.5 (Glue 5.0's Spark) in a Pipes subprocess."""

    pinned = ("business_timezone",)

    # It goes into PYSPARK_SUBMIT_ARGS: a size, nothing else (run config could otherwise add `--conf ...`).
    spark_driver_memory: str = pydantic.Field(default="4g", pattern=r"^[0-9]+[kmgt]?$")

    def run_job(
        self, context: dg.AssetExecutionContext, job: str, arguments: dict[str, str]
    ) -> list[dg.MaterializeResult]:
        # Bound to this run process: the job and its JVM die with it, and a cancelled run's SIGINT stops them.
        command = bound_command([sys.executable, script_path(job), *job_arguments({"JOB_NAME": job, **arguments})])
        env = {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
            "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
            "PYSPARK_SUBMIT_ARGS": f"--driver-memory {self.spark_driver_memory} pyspark-shell",
        }
        # The job starts with an allow-listed environment only: no AWS keys, PGPASSWORD or warehouse URL.
        command = launcher_command(command)
        client = dg.PipesSubprocessClient(env=env, cwd=str(PROJECT_ROOT))
        return client.run(context=context, command=command).get_results()
