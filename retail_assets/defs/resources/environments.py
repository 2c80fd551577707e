"""The one place RETAIL_ENV picks backends; resource keys are the same in every environment."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import dagster as dg

from retail_assets.defs.report_tables import QUICKSIGHT_REPORTS
from retail_assets.defs.resources.glue import GLUE_JOBS
from retail_assets.defs.resources.lake import ZONES
from retail_assets.defs.resources.local.alerts import LogAlerts
from retail_assets.defs.resources.local.athena import LocalAthena
from retail_assets.defs.resources.local.bi import HtmlOnlyBi
from retail_assets.defs.resources.local.crawler import LocalCrawler
from retail_assets.defs.resources.local.glue import LocalGlueJobs
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.defs.resources.local.model_trainer import LocalModelTrainer
from retail_assets.defs.resources.local.report_exports import LocalReportExports
from retail_assets.defs.resources.local.warehouse import LocalWarehouse
from retail_assets.defs.resources.pipeline import PipelineSettings
from retail_assets.defs.resources.propensity import PropensitySettings
from retail_assets.defs.resources.sales_api import SalesApi
from retail_assets.settings import Settings, get_aws_settings, get_propensity_settings

if TYPE_CHECKING:
    from retail_assets.defs.resources.aws.clients import AwsClients


def local_resources(settings: Settings) -> dict[str, Any]:
    """Every backend on this machine: directories, local Spark, DuckDB and a real PostgreSQL."""
    lake = LocalLake(landing_root=str(settings.landing_root), lake_root=str(settings.lake_root))
    crawler = LocalCrawler(catalog_path=str(settings.catalog_path), lake=lake)
    # The URL holds a password: the resource gets the variable's name, resolved when a run starts.
    database_url = dg.EnvVar("RETAIL_DATABASE_URL") if settings.database_url else None
    return {
        "lake": lake,
        "glue": LocalGlueJobs(business_timezone=settings.timezone),
        "crawler": crawler,
        "athena": LocalAthena(catalog_path=str(settings.catalog_path), lake=lake, crawler=crawler),
        "report_exports": LocalReportExports(catalog_path=str(settings.catalog_path), lake=lake),
        "warehouse": LocalWarehouse(retail_home=str(settings.home), database_url=database_url),
        "alerts": LogAlerts(),
        "bi": HtmlOnlyBi(),
        "pipeline": pipeline_settings(settings),
        "model_trainer": LocalModelTrainer(),
        "propensity": propensity_settings(),
    }


def aws_resources(settings: Settings, clients: AwsClients | None = None) -> dict[str, Any]:
    """The AWS backends, named by the AWS settings, all on one set of clients; nothing is called until a run."""
    # Imported here, not at the top: dagster-aws and the AWS backends take about half a second to import, which every
    # local process that loads the definitions (each run, each `dagster` command) would pay for nothing.
    from retail_assets.defs.resources.aws.alerts import SnsAlerts
    from retail_assets.defs.resources.aws.athena import AwsAthena
    from retail_assets.defs.resources.aws.clients import AwsClients
    from retail_assets.defs.resources.aws.crawler import GlueCrawler
    from retail_assets.defs.resources.aws.glue import AwsGlueJobs
    from retail_assets.defs.resources.aws.lake import S3Lake
    from retail_assets.defs.resources.aws.quicksight import QuickSightSpice
    from retail_assets.defs.resources.aws.report_exports import AwsReportExports
    from retail_assets.defs.resources.aws.sagemaker import SageMakerTrainer
    from retail_assets.defs.resources.aws.warehouse import AuroraWarehouse

    aws = get_aws_settings()
    clients = clients or AwsClients(region=aws.region)
    databases = {zone: aws.database(zone) for zone in ZONES}
    lake = S3Lake(
        clients=clients,
        landing_bucket=aws.landing_bucket,
        landing_prefix=aws.landing_prefix,
        lake_bucket=aws.lake_bucket,
        lake_prefix=aws.lake_prefix,
    )
    crawler = GlueCrawler(
        clients=clients, crawler_names={zone: aws.crawler(zone) for zone in ZONES}, databases=databases
    )
    athena = AwsAthena(
        clients=clients,
        lake=lake,
        crawler=crawler,
        workgroup=aws.athena_workgroup,
        databases=databases,
        output_location=aws.athena_output,
    )
    return {
        "lake": lake,
        "glue": AwsGlueJobs(
            clients=clients,
            business_timezone=settings.timezone,
            job_names={job: aws.job(job) for job in GLUE_JOBS},
            pipes_bucket=aws.lake_bucket,
            pipes_prefix=aws.pipes_prefix,
            worker_type=aws.glue_worker_type,
            workers=aws.glue_workers,
            flex_min_days=aws.glue_flex_min_days,
        ),
        "crawler": crawler,
        "athena": athena,
        "report_exports": AwsReportExports(athena=athena),
        "warehouse": AuroraWarehouse(clients=clients, secret_id=aws.aurora_secret, ca_bundle=aws.aurora_ca_bundle),
        "alerts": SnsAlerts(clients=clients, topic=aws.alert_topic),
        # QuickSight is optional: without a principal provision creates none of it, and there is nothing to refresh.
        "bi": QuickSightSpice(
            clients=clients, dataset_ids=[aws.quicksight_dataset(table) for table in QUICKSIGHT_REPORTS]
        )
        if aws.quicksight_principal
        else HtmlOnlyBi(),
        "pipeline": pipeline_settings(settings),
        "model_trainer": SageMakerTrainer(
            clients=clients,
            role=aws.sagemaker_role,
            image=aws.xgboost_image or "",
            bucket=aws.lake_bucket,
            prefix=aws.sagemaker_prefix,
            name=aws.propensity_name,
            instance_type=aws.training_instance_type,
            max_seconds=aws.training_max_seconds,
            serverless_memory_mb=aws.serverless_memory_mb,
            serverless_max_concurrency=aws.serverless_max_concurrency,
        ),
        "propensity": propensity_settings(),
    }


RESOURCES_BY_ENV = {"local": local_resources, "aws": aws_resources}


def pipeline_settings(settings: Settings) -> PipelineSettings:
    """The settings every environment shares, as the `pipeline` resource."""
    return PipelineSettings(business_timezone=settings.timezone, quarantine_error_rate=settings.quarantine_error_rate)


def propensity_settings() -> PropensitySettings:
    """The RETAIL_PROPENSITY_* settings, as the `propensity` resource."""
    return PropensitySettings(**asdict(get_propensity_settings()))


def resources_for(settings: Settings) -> dict[str, Any]:
    """The resources of settings.env, and the sales API client, the same in both."""
    return {**RESOURCES_BY_ENV[settings.env](settings), "sales_api": SalesApi(url=settings.sales_api_url or "")}
