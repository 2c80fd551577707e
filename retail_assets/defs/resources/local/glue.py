"""Local Glue jobs: the same script files run by local PySpark 3.5 (Glue 5.0's Spark) through Dagster Pipes."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import pydantic
from pydantic import PrivateAttr

from retail_assets.defs.resources.glue import GLUE_SCRIPTS_DIR, GlueJobs, job_arguments
from retail_assets.defs.resources.local.glue_runner_process import GlueRunnerProcess
from retail_assets.defs.resources.local.parent_bound import bound_command
from retail_assets.defs.resources.pinned import PinnedFields
from retail_assets.settings import PROJECT_ROOT
from retail_assets.spark_environment import allowed_environment, launcher_command


class _KeptRunner:
    """The runner a process keeps for all of its runs, inside one_runner_for_these_runs."""

    active = False
    runner: GlueRunnerProcess | None = None


@contextmanager
def one_runner_for_these_runs() -> Iterator[None]:
    """Have every run of this process in the block share one Glue runner, stopped when the block ends.

    For a process that runs small runs one after another (the demo: its week, then its broken day): each would
    otherwise start a JVM and compile Spark's code again. A run's runner is otherwise stopped after its last Glue
    job, to leave the memory to the checks that read whole days; small runs do not need it.
    """
    _KeptRunner.active = True
    try:
        yield
    finally:
        _KeptRunner.active = False
        if _KeptRunner.runner is not None:
            _KeptRunner.runner.stop()
            _KeptRunner.runner = None


class LocalGlueJobs(PinnedFields, GlueJobs):
    """The same script file run by local PySpark 3.5 (Glue 5.0's Spark) in a Pipes subprocess.

    A run's jobs share one warm Spark session in a runner process, as Glue interactive sessions do: the Pipes
    subprocess is a small client that hands the job to it (glue_runner.py), so no job waits for a JVM to start.
    """

    pinned = ("business_timezone",)

    # It goes into PYSPARK_SUBMIT_ARGS: a size, nothing else (run config could otherwise add `--conf ...`).
    spark_driver_memory: str = pydantic.Field(default="2g", pattern=r"^[0-9]+[kmgt]?$")
    _runner: GlueRunnerProcess | None = PrivateAttr(default=None)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._stop_runner()

    def _stop_runner(self) -> None:
        """Stop the run's runner, its JVM and its Python workers, if one was started."""
        if self._runner is not None:
            self._runner.stop()
            self._runner = None

    def run_job(
        self, context: dg.AssetExecutionContext, job: str, arguments: dict[str, str]
    ) -> list[dg.MaterializeResult]:
        # Started by a run's first Glue job, not when the run starts: a run that never reaches one starts no JVM
        # (started earlier, its JVM would only compete with the landing step for the same two cores).
        # Outside a run (no teardown), the runner ends with this process.
        runner = self._kept_runner() if _KeptRunner.active else self._run_runner()
        command = runner.client_command(job, job_arguments({"JOB_NAME": job, **arguments}))
        # Bound to this run process (a cancelled run's SIGINT stops the client, and the runner then stops with the
        # job), and started with the allow-listed environment only: no AWS keys, PGPASSWORD or warehouse URL.
        command = launcher_command(bound_command(command))
        client = dg.PipesSubprocessClient(cwd=str(PROJECT_ROOT))
        return client.run(context=context, command=command).get_results()

    def jobs_done(self) -> None:
        # Only checks and the warehouse load come after, and they read whole days in this process: the idle JVM's
        # memory is theirs now (at 1,000,000 rows it made the run's peak). A runner kept across runs stays.
        self._stop_runner()

    def _run_runner(self) -> GlueRunnerProcess:
        """This run's runner, started by its first Glue job."""
        if self._runner is None:
            self._runner = GlueRunnerProcess(self._runner_env(), GLUE_SCRIPTS_DIR)
        return self._runner

    def _kept_runner(self) -> GlueRunnerProcess:
        """The runner the process keeps across runs; a new one if this run's Spark settings differ from its."""
        env = self._runner_env()
        kept = _KeptRunner.runner
        if kept is not None and kept.env != env:
            kept.stop()
            kept = None
        if kept is None:
            kept = _KeptRunner.runner = GlueRunnerProcess(env, GLUE_SCRIPTS_DIR)
        return kept

    def _runner_env(self) -> dict[str, str]:
        """The runner's environment: the allow-listed variables of this one, and the Spark settings."""
        return allowed_environment(
            {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
                "PYSPARK_PYTHON": sys.executable,
                "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
                "PYSPARK_SUBMIT_ARGS": f"--driver-memory {self.spark_driver_memory} pyspark-shell",
            }
        )
