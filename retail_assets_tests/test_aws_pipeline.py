"""The whole asset graph in aws mode against moto, Glue and Athena run locally behind it, as local mode loads."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from retail_assets.definitions import defs
from retail_assets.defs.automation.jobs import sales_pipeline
from retail_assets.defs.resources.environments import aws_resources
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.provisioning.provision import provision
from retail_assets.settings import AwsSettings, get_aws_settings, get_settings
from retail_assets.store_files.generator import generate_landing
from retail_assets.warehouse.loader import table_rows
from retail_assets_tests.support.aws_harness import Backstage
from retail_assets_tests.support.dagster_cli import materialize
from retail_assets_tests.support.moto_account import clients, moto_server, moto_transitions, store_aurora_secret
from retail_assets_tests.support.postgres_fixture import separate_database

DAYS = ["2024-06-03", "2024-06-04"]
PREFIX = "retail-e2e"
AWS_DATABASE = "retail_aws_pipeline"


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Path:
    """Two generated days of landing files (~200 rows), with the generator's known dirt."""
    home = tmp_path_factory.mktemp("landed")
    generate_landing(
        home / "landing", date.fromisoformat(DAYS[0]), 2, seed=23, timezone=get_settings().timezone, rows_per_day=100
    )
    return home


@pytest.fixture(scope="module")
def aurora_url(postgres_url):
    """A database of its own on the test server for the aws run, so both modes' rows can be compared."""
    with separate_database(postgres_url, AWS_DATABASE) as url:
        yield url


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    """A provisioned moto account, named from RETAIL_AWS_PREFIX as a deployment would be."""
    with moto_server(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("RETAIL_AWS_PREFIX", PREFIX)
        get_aws_settings.cache_clear()
        settings = get_aws_settings()
        provision(settings, get_settings().timezone, tmp_path_factory.mktemp("iam"), echo=lambda line: None)
        yield settings
    get_aws_settings.cache_clear()


def land_on_s3(aws: AwsSettings, landing: Path) -> None:
    """Upload the landing files with the same keys."""
    s3 = boto3.client("s3")
    for path in sorted(landing.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), aws.landing_bucket, aws.landing_prefix + str(path.relative_to(landing)))


def run_aws_mode(aws: AwsSettings, landed: Path, aurora_url: str, workdir: Path):
    """Both days as one run in aws mode, every check included, Glue and Athena run by the backstage."""
    store_aurora_secret(aws.aurora_secret, aurora_url)
    land_on_s3(aws, landed / "landing")
    backstage = Backstage(workdir)
    aws_defs = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        # Every AWS resource holds these clients: Glue and Athena calls reach the backstage.
        resources=aws_resources(get_settings(), clients=clients(backstage, region=aws.region)),
        jobs=[sales_pipeline],
        executor=dg.in_process_executor,
    )
    # The stand-in crawls at StartCrawler; moto's crawl would otherwise stay RUNNING until someone lists crawls.
    with moto_transitions({"glue::crawl": {"progression": "immediate"}}):
        result = aws_defs.resolve_job_def(sales_pipeline.name).execute_in_process(
            tags={ASSET_PARTITION_RANGE_START_TAG: DAYS[0], ASSET_PARTITION_RANGE_END_TAG: DAYS[-1]},
            raise_on_error=False,
        )
    return result, backstage


@pytest.fixture(scope="module")
def runs(aws, landed, aurora_url, postgres_url, tmp_path_factory):
    """The same landing files in both modes at once: local through `dagster asset materialize`, aws in-process."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        local = pool.submit(materialize, landed, get_settings().timezone, postgres_url, DAYS[0], DAYS[-1])
        result, backstage = run_aws_mode(aws, landed, aurora_url, tmp_path_factory.mktemp("backstage"))
        local.result()
    assert result.success, [event.message for event in result.all_events if event.is_failure]
    return result, backstage


def materializations(result) -> dict[str, dict]:
    """The metadata of each asset's materialization, by asset key."""
    return {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def test_aws_mode_loads_exactly_the_rows_local_mode_loads(runs, aurora_url, postgres_url):
    days = [date.fromisoformat(day) for day in DAYS]
    local = table_rows(postgres_url, days)
    assert {row["business_date"] for row in local} == set(days)
    assert table_rows(aurora_url, days) == local


def test_the_lake_on_s3_holds_the_rows_of_the_local_lake(runs, aws, landed):
    local = LocalLake(landing_root=str(landed / "landing"), lake_root=str(landed / "lake"))
    lake = aws_resources(get_settings())["lake"]
    for zone, table in (("raw", "sales"), ("cleaned", "sales"), ("quarantine", "sales"), ("final", "daily_sales")):
        assert lake.rows_per_day(zone, table, DAYS) == local.rows_per_day(zone, table, DAYS), zone
    top_level = {key.split("/")[0] for key in lake.object_keys(aws.lake_bucket)}
    # Pipes messages and the buckets' access logs under their prefixes, the replaced final days deleted, nothing
    # else at the bucket root.
    assert top_level == {"raw", "cleaned", "quarantine", "final", "glue", "dagster-pipes", "access-logs"}
    assert not [key for key in lake.object_keys(f"{aws.lake_bucket}/final") if "/_replaced-" in key]


def test_every_check_ran_and_only_the_generated_dirt_warns(runs):
    result, _ = runs
    evaluations = [
        event.event_specific_data for event in result.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    graph = defs.resolve_asset_graph()
    # Every check of the sales pipeline's assets (the propensity group has its own job).
    assert len(evaluations) == len(
        [key for key in graph.asset_check_keys if graph.get(key.asset_key).group_name == "sales"]
    )
    failed = {evaluation.check_name: evaluation.severity for evaluation in evaluations if not evaluation.passed}
    # The generator adds an unknown column and bad rows at known rates: warnings, never errors.
    assert failed == dict.fromkeys(
        ["landing_schema_matches_contract", "landing_values_parse", "quarantine_rate"], dg.AssetCheckSeverity.WARN
    )


def test_each_asset_made_its_aws_calls(runs, aws):
    result, backstage = runs
    glue, athena = boto3.client("glue"), boto3.client("athena")
    assert [run["JobName"] for run in backstage.job_runs] == [aws.job("ingest_sales"), aws.job("clean_sales")]
    for run in backstage.job_runs:
        assert run["Arguments"]["--start_date"] == DAYS[0] and run["Arguments"]["--end_date"] == DAYS[-1]
        assert run["ExecutionClass"] == "STANDARD"  # two days: fewer than RETAIL_GLUE_FLEX_MIN_DAYS
        assert len(glue.get_job_runs(JobName=run["JobName"])["JobRuns"]) == 1
    for zone in ("raw", "cleaned", "quarantine", "final"):
        assert len(glue.list_crawls(CrawlerName=aws.crawler(zone))["Crawls"]) == 1, zone
        table = "daily_sales" if zone == "final" else "sales"
        partitions = glue.get_partitions(DatabaseName=aws.database(zone), TableName=table)["Partitions"]
        assert sorted(partition["Values"][0] for partition in partitions) == DAYS, zone
    (query_id,) = athena.list_query_executions(WorkGroup=aws.athena_workgroup)["QueryExecutionIds"]
    query = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    assert query["ExecutionParameters"] == [f"'{DAYS[0]}'", f"'{DAYS[-1]}'"]
    metadata = materializations(result)
    for asset, job in (("raw/sales", "ingest_sales"), ("cleaned/sales", "clean_sales")):
        (run,) = glue.get_job_runs(JobName=aws.job(job))["JobRuns"]
        assert metadata[asset]["AWS Glue Job Run ID"].value == run["Id"]
        assert metadata[asset]["glue_dpu_seconds"].value > 0
    assert metadata["final/daily_sales"]["queries"].value[0]["athena_query_id"] == query_id
    assert metadata["aurora/daily_sales"]["rows_written"].value > 0
