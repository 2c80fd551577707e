"""Glue jobs on AWS Glue 5.0 through Dagster Pipes: context and messages through S3, while the job runs."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster_aws.pipes import PipesGlueClient, PipesS3ContextInjector, PipesS3MessageReader

from glue_scripts.sales_contract import business_days
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.glue import GlueJobs, glue_arguments
from retail_assets.defs.resources.pinned import PinnedFields

# Glue 5.0 list prices per DPU-hour (us-east-1); an estimate for metadata, not a bill.
DPU_HOUR_USD = {"STANDARD": 0.44, "FLEX": 0.29}
# DPUs of one worker of each type (Standard, the pre-Glue 2.0 type, counts as one).
WORKER_DPUS = {"G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8, "Z.2X": 2}
RUN_ID_KEY = "AWS Glue Job Run ID"
# The worker types Glue's Flex execution class runs on; other types always run STANDARD.
FLEX_WORKER_TYPES = ("G.1X", "G.2X")


class PrefixedS3MessageReader(PipesS3MessageReader):
    """dagster-aws's S3 message reader, with the job's message chunks under a key prefix instead of the bucket root."""

    def __init__(self, *, key_prefix: str, **kwargs):
        super().__init__(**kwargs)
        self.key_prefix = key_prefix

    @contextmanager
    def get_params(self) -> Iterator[dict]:
        # The job role may write only under the Pipes prefix (IAM), and the bucket root stays clean.
        with super().get_params() as params:
            yield {**params, "key_prefix": f"{self.key_prefix}{params['key_prefix']}"}


class AwsGlueJobs(PinnedFields, GlueJobs):
    """Starts the provisioned job of a script, waits for it, reports its run, time, DPU-seconds and cost."""

    pinned = ("business_timezone", "job_names", "pipes_bucket", "pipes_prefix")

    clients: AwsClients
    job_names: dict[str, str]
    pipes_bucket: str
    pipes_prefix: str
    worker_type: str = "G.1X"
    workers: int = 2
    flex_min_days: int = 4
    message_poll_seconds: float = 10

    def run_job(
        self, context: dg.AssetExecutionContext, job: str, arguments: dict[str, str]
    ) -> list[dg.MaterializeResult]:
        s3, glue = self.clients.client("s3"), self.clients.client("glue")
        client = PipesGlueClient(
            client=glue,
            context_injector=PipesS3ContextInjector(bucket=self.pipes_bucket, client=s3, key_prefix=self.pipes_prefix),
            # The S3 reader polls while the job runs, so the script's messages reach Dagster before it ends.
            message_reader=PrefixedS3MessageReader(
                key_prefix=self.pipes_prefix, bucket=self.pipes_bucket, client=s3, interval=self.message_poll_seconds
            ),
        )
        days = business_days(arguments["start_date"], arguments["end_date"])
        # Flex capacity is cheaper and may start later: right for backfills, not for the day's run.
        flex = len(days) >= self.flex_min_days and self.worker_type in FLEX_WORKER_TYPES
        execution_class = "FLEX" if flex else "STANDARD"
        invocation = client.run(
            context=context,
            start_job_run_params={
                "JobName": self.job_names[job],
                # Glue passes --JOB_NAME itself.
                "Arguments": glue_arguments(arguments),
                "WorkerType": self.worker_type,
                "NumberOfWorkers": self.workers,
                "ExecutionClass": execution_class,
            },
        )
        # Pipes' metadata values are wrapped (TextMetadataValue): the run id is its text.
        run_id = invocation.metadata[RUN_ID_KEY].value
        run = glue.get_job_run(JobName=self.job_names[job], RunId=run_id)["JobRun"]
        usage = run_usage(run, execution_class)
        context.log.info(f"Glue {self.job_names[job]} run {run['Id']}: {usage}")
        return [
            dg.MaterializeResult(
                asset_key=result.asset_key, metadata={**result.metadata, **invocation.metadata, **usage}
            )
            for result in invocation.get_results()
        ]


def run_usage(run: dict, execution_class: str) -> dict[str, float | int | str]:
    """Execution time, DPU-seconds and an estimated cost of a finished run."""
    seconds = int(run.get("ExecutionTime") or 0)
    # DPUSeconds is reported for auto-scaled runs only; otherwise the run's capacity times its time.
    capacity = run.get("MaxCapacity") or (run.get("NumberOfWorkers") or 0) * WORKER_DPUS.get(run.get("WorkerType"), 1)
    dpu_seconds = float(run.get("DPUSeconds") or capacity * seconds)
    # Glue 2.0 and later bill at least one minute per run.
    billed = dpu_seconds * max(seconds, 60) / seconds if seconds else 0.0
    return {
        "glue_execution_class": execution_class,
        "glue_execution_seconds": seconds,
        "glue_dpu_seconds": dpu_seconds,
        "glue_estimated_cost_usd": round(billed / 3600 * DPU_HOUR_USD[execution_class], 4),
    }
