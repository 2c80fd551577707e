"""Local Glue jobs: the same script files run by local PySpark 3.5 (Glue 5.0's Spark) through Dagster Pipes."""

import os
import sys

import dagster as dg

from retail_assets.defs.resources.glue import GlueJobs, job_arguments, script_path
from retail_assets.defs.resources.local.parent_bound import bound_command
from retail_assets.settings import PROJECT_ROOT


class LocalGlueJobs(GlueJobs):
    """The same script file run by local PySpark 3.5 (Glue 5.0's Spark) in a Pipes subprocess."""

    spark_driver_memory: str = "4g"

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
            # Pipes passes the whole environment on; the warehouse URL holds a password Spark never needs.
            "RETAIL_DATABASE_URL": "",
        }
        client = dg.PipesSubprocessClient(env=env, cwd=str(PROJECT_ROOT))
        return client.run(context=context, command=command).get_results()
