"""Glue jobs on AWS Glue 5.0 through Dagster Pipes: context and messages through S3, while the job runs."""

import dagster as dg
from dagster_aws.pipes import PipesGlueClient, PipesS3ContextInjector, PipesS3MessageReader

from glue_scripts.sales_contract import business_days
from retail_assets.resources.aws_clients import aws_client
from retail_assets.resources.glue import GlueJobs, glue_arguments

# Glue 5.0 list prices per DPU-hour (us-east-1); an estimate for metadata, not a bill.
DPU_HOUR_USD = {"STANDARD": 0.44, "FLEX": 0.29}
RUN_ID_KEY = "AWS Glue Job Run ID"


class AwsGlueJobs(GlueJobs):
    """Starts the provisioned job of a script, waits for it, reports its run, time, DPU-seconds and cost."""

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
        s3, glue = aws_client("s3"), aws_client("glue")
        client = PipesGlueClient(
            client=glue,
            context_injector=PipesS3ContextInjector(bucket=self.pipes_bucket, client=s3, key_prefix=self.pipes_prefix),
            # The S3 reader polls while the job runs, so the script's messages reach Dagster before it ends.
            message_reader=PipesS3MessageReader(
                bucket=self.pipes_bucket, client=s3, interval=self.message_poll_seconds
            ),
        )
        days = business_days(arguments["start_date"], arguments["end_date"])
        # Flex capacity is cheaper and may start later: right for backfills, not for the day's run.
        execution_class = "FLEX" if len(days) >= self.flex_min_days else "STANDARD"
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
        run = glue.get_job_run(JobName=self.job_names[job], RunId=invocation.metadata[RUN_ID_KEY])["JobRun"]
        usage = run_usage(run, execution_class)
        context.log.info(f"Glue {self.job_names[job]} run {run['Id']}: {usage}")
        return [
            dg.MaterializeResult(
                asset_key=result.asset_key, metadata={**result.metadata, **invocation.metadata, **usage}
            )
            for result in invocation.get_results()
        ]


def run_usage(run: dict, execution_class: str) -> dict[str, float | int | str]:
    """Execution time, DPU-seconds (reported, or workers' DPUs times time) and an estimated cost."""
    seconds = int(run.get("ExecutionTime", 0))
    dpu_seconds = float(run.get("DPUSeconds") or float(run.get("MaxCapacity", 0)) * seconds)
    return {
        "glue_execution_class": execution_class,
        "glue_execution_seconds": seconds,
        "glue_dpu_seconds": dpu_seconds,
        "glue_estimated_cost_usd": round(dpu_seconds / 3600 * DPU_HOUR_USD[execution_class], 4),
    }
