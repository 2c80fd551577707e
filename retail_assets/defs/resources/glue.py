"""The Glue role: the scripts in glue_scripts/ run through Dagster Pipes, for a range of days."""

from abc import abstractmethod

import dagster as dg

from retail_assets.settings import PROJECT_ROOT

GLUE_SCRIPTS_DIR = PROJECT_ROOT / "glue_scripts"
GLUE_JOBS = ("ingest_sales", "clean_sales")


def script_path(job: str) -> str:
    """The script file of a known Glue job."""
    if job not in GLUE_JOBS:
        raise ValueError(f"unknown Glue job {job!r}; known: {', '.join(GLUE_JOBS)}")
    return str(GLUE_SCRIPTS_DIR / f"{job}.py")


def glue_arguments(arguments: dict[str, str]) -> dict[str, str]:
    """Arguments as Glue's StartJobRun takes them: {'--name': 'value'}."""
    return {f"--{name}": str(value) for name, value in arguments.items()}


def job_arguments(arguments: dict[str, str]) -> list[str]:
    """Glue-style '--name value' arguments for a command line."""
    return [token for item in glue_arguments(arguments).items() for token in item]


class GlueJobs(dg.ConfigurableResource):
    """Runs a Glue job script for a partition range and returns what it reported through Pipes."""

    # The IANA zone business days are cut in: the clean job assigns each sale its business date in it.
    business_timezone: str

    @abstractmethod
    def run_job(
        self, context: dg.AssetExecutionContext, job: str, arguments: dict[str, str]
    ) -> list[dg.MaterializeResult]:
        """Run job with arguments and return the materializations it reported."""

    def jobs_done(self) -> None:
        """The run's last Glue job has ended: free what was kept warm for a next one (nothing is, on AWS)."""
