"""S3Lake, AwsGlueJobs, GlueCrawler and AuroraWarehouse against moto: calls, parameters, waiting, every failure."""

import io
import re
import time
from datetime import date
from itertools import islice

import boto3
import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.stub import Stubber
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.pipes import utils as pipes_utils

from retail_assets.defs.resources.aws.clients import backoff
from retail_assets.defs.resources.aws.crawler import CrawlFailed, GlueCrawler
from retail_assets.defs.resources.aws.glue import AwsGlueJobs
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.aws.warehouse import AuroraWarehouse, conninfo_from_secret
from retail_assets.defs.resources.glue import GlueJobs
from retail_assets.defs.resources.lake import ZONES, LandingObject
from retail_assets.warehouse.loader import DAILY_SALES_SCHEMA, table_rows
from retail_assets_tests.support.aws_harness import Backstage, Delegate
from retail_assets_tests.support.moto_account import (
    REGION,
    clients,
    handing,
    moto_server,
    moto_transitions,
    reset_moto,
    store_aurora_secret,
)

LAKE, LANDING = "retail-lake", "retail-landing"
DATABASES = {zone: f"retail_{zone}" for zone in ZONES}
CRAWLERS = {zone: f"retail-{zone}" for zone in ZONES}
JOB = "retail-ingest-sales"
DAYS = ["2024-03-01", "2024-03-02", "2024-03-03"]
# A stand-in for a Glue script: the real Pipes shim (S3 context and messages), reporting the range it was given.
ECHO_JOB = """
from glue_scripts.job_args import parse_job_args
from glue_scripts.pipes_context import open_pipes

args = parse_job_args(["JOB_NAME", "start_date", "end_date"])
with open_pipes() as pipes:
    pipes.report_asset_materialization(metadata={"days": f"{args['start_date']}...{args['end_date']}"})
"""


@pytest.fixture(scope="module")
def endpoint():
    """One moto server for the module."""
    with moto_server() as url:
        yield url


@pytest.fixture(autouse=True)
def account(endpoint):
    """A new, empty account for every test, with the two buckets."""
    reset_moto(endpoint)
    for bucket in (LAKE, LANDING):
        boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})


def keys(prefix: str = "") -> dict[str, bytes]:
    """The lake bucket's objects under prefix, with their content."""
    s3 = boto3.client("s3")
    found = s3.list_objects_v2(Bucket=LAKE, Prefix=prefix).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=LAKE, Key=item["Key"])["Body"].read() for item in found}


def parquet_bytes(rows: list[dict]) -> bytes:
    """A Parquet file of rows."""
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    return buffer.getvalue()


# --- S3Lake -------------------------------------------------------------------------------------------------------


def test_s3_lake_lists_a_days_landing_objects_under_its_prefix_hidden_ones_left_out():
    s3 = boto3.client("s3")
    for key in ["a.csv", "nested/b.jsonl", "_tmp.csv", "nested/.part.csv"]:
        s3.put_object(Bucket=LANDING, Key=f"stores/sales/2024-03-01/{key}", Body=b"0123456789")
    s3.put_object(Bucket=LANDING, Key="stores/sales/2024-03-02/c.csv", Body=b"x")
    s3.put_object(Bucket=LANDING, Key="sales/2024-03-01/outside_the_prefix.csv", Body=b"x")
    lake = S3Lake(clients=clients(), landing_bucket=LANDING, landing_prefix="stores/", lake_bucket=LAKE)
    assert lake.landing_uri() == f"s3://{LANDING}/stores"
    assert lake.landing_objects("2024-03-01") == [
        LandingObject("sales/2024-03-01/a.csv", 10),
        LandingObject("sales/2024-03-01/nested/b.jsonl", 10),
    ]


def test_s3_lake_reads_days_through_pyarrow_athenas_unsuffixed_objects_included():
    lake = S3Lake(clients=clients(), landing_bucket=LANDING, lake_bucket=LAKE, lake_prefix="lake/")
    folder = "lake/final/daily_sales/business_date=2024-03-01"
    pq.write_table(
        pa.table({"store_id": ["s1", "s2"]}), f"{LAKE}/{folder}/part-0.parquet", filesystem=lake.filesystem()
    )
    s3 = boto3.client("s3")
    s3.put_object(Bucket=LAKE, Key=f"{folder}/20240301_query_00000", Body=parquet_bytes([{"store_id": "s3"}]))
    s3.put_object(Bucket=LAKE, Key="lake/final/daily_sales/_SUCCESS", Body=b"")
    assert lake.table_uri("final", "daily_sales") == f"s3://{LAKE}/lake/final/daily_sales"
    assert lake.day_files("final", "daily_sales", "2024-03-01") == [
        f"{LAKE}/{folder}/20240301_query_00000",
        f"{LAKE}/{folder}/part-0.parquet",
    ]
    assert lake.rows_per_day("final", "daily_sales", DAYS[:2]) == {"2024-03-01": 3, "2024-03-02": 0}
    rows = lake.read_days("final", "daily_sales", DAYS[:2]).sort_by("store_id").to_pylist()
    assert rows == [{"store_id": store, "business_date": "2024-03-01"} for store in ("s1", "s2", "s3")]


def test_s3_lake_moves_a_folder_object_by_object_without_folder_markers():
    for name in ("a", "b/c"):
        boto3.client("s3").put_object(Bucket=LAKE, Key=f"t/business_date=2024-03-01/{name}", Body=name.encode())
    lake = S3Lake(clients=clients(), landing_bucket=LANDING, lake_bucket=LAKE)
    assert lake.move_folder(f"{LAKE}/t/business_date=2024-03-01", f"{LAKE}/t/_aside/2024-03-01") == 2
    assert keys() == {"t/_aside/2024-03-01/a": b"a", "t/_aside/2024-03-01/b/c": b"b/c"}


# --- AwsGlueJobs ------------------------------------------------------------------------------------------------


def glue_jobs(wrap=None, **config) -> AwsGlueJobs:
    """The Glue resource over the job JOB, as a deployment names it; its clients wrapped by wrap."""
    return AwsGlueJobs(
        clients=clients(wrap),
        business_timezone="UTC",
        job_names={"ingest_sales": JOB},
        pipes_bucket=LAKE,
        pipes_prefix="dagster-pipes/",
        message_poll_seconds=1,
        **config,
    )


@pytest.fixture
def no_late_messages(monkeypatch):
    """Nothing runs behind a stubbed Glue run, so no message ever comes: no 10 s wait for late ones, 1 s loops cut."""
    # Dagster's Pipes message reader has no setting for either; its loop sleeps a fixed second between reads.
    monkeypatch.setattr(pipes_utils, "WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 0)
    monkeypatch.setattr(pipes_utils, "DEFAULT_SLEEP_INTERVAL", 0.05)


def run_ingest(glue: AwsGlueJobs, first: str, last: str) -> dg.ExecuteInProcessResult:
    """Materialize an asset whose body is one run_job call, as raw/sales's is."""

    @dg.asset
    def sales(context: dg.AssetExecutionContext, glue: GlueJobs):
        yield from glue.run_job(
            context, "ingest_sales", {"raw_uri": f"s3://{LAKE}/raw/sales", "start_date": first, "end_date": last}
        )

    return dg.materialize([sales], resources={"glue": glue}, raise_on_error=False)


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """The errors of the failed steps, causes included."""
    return "\n".join(event.step_failure_data.error.to_string() for event in result.get_step_failure_events())


@pytest.mark.parametrize(
    ("last", "execution_class", "usd_per_dpu_hour"), [(DAYS[0], "STANDARD", 0.44), (DAYS[1], "FLEX", 0.29)]
)
def test_glue_run_gets_the_range_and_workers_and_reports_through_s3(tmp_path, last, execution_class, usd_per_dpu_hour):
    boto3.client("s3").put_object(Bucket=LAKE, Key="glue/echo_job.py", Body=ECHO_JOB.encode())
    glue = boto3.client("glue")
    glue.create_job(
        Name=JOB, Role="glue-role", Command={"Name": "glueetl", "ScriptLocation": f"s3://{LAKE}/glue/echo_job.py"}
    )
    backstage = Backstage(tmp_path)
    result = run_ingest(glue_jobs(backstage, worker_type="G.2X", workers=3, flex_min_days=2), DAYS[0], last)
    assert result.success, failure_text(result)
    (run,) = glue.get_job_runs(JobName=JOB)["JobRuns"]
    assert {"--raw_uri": f"s3://{LAKE}/raw/sales", "--start_date": DAYS[0], "--end_date": last}.items() <= run[
        "Arguments"
    ].items()
    assert {"--dagster-pipes-context", "--dagster-pipes-messages"} <= run["Arguments"].keys()
    assert (run["WorkerType"], run["NumberOfWorkers"]) == ("G.2X", 3)
    assert backstage.job_runs[0]["ExecutionClass"] == execution_class  # moto keeps no execution class
    metadata = result.asset_materializations_for_node("sales")[0].metadata
    assert metadata["days"].value == f"{DAYS[0]}...{last}"  # reported by the script, read from S3
    assert metadata["AWS Glue Job Run ID"].value == run["Id"]
    # The run's time as the stand-in reports it, on 3 G.2X workers: 6 DPUs.
    seconds = backstage.outcomes[run["Id"]]["ExecutionTime"]
    assert (metadata["glue_execution_seconds"].value, metadata["glue_dpu_seconds"].value) == (seconds, 6.0 * seconds)
    billed = 6 * max(seconds, 60)  # Glue bills a minute at least
    assert metadata["glue_estimated_cost_usd"].value == round(billed / 3600 * usd_per_dpu_hour, 4)
    # Context and messages go under the Pipes prefix, where the job role may write; the context is removed.
    assert {key.split("/")[0] for key in keys()} == {"glue", "dagster-pipes"}


@pytest.mark.parametrize("state", ["FAILED", "ERROR", "TIMEOUT", "STOPPED"])
def test_glue_run_that_does_not_succeed_fails_the_asset_with_glues_message(no_late_messages, state):
    client = boto3.client("glue")
    message = f"{state}: An error occurred while calling o108.parquet. Job aborted (exit code 1)"
    run = {"Id": "jr_1", "JobName": JOB, "JobRunState": state, "ErrorMessage": message}
    with Stubber(client) as stubber:
        stubber.add_response("start_job_run", {"JobRunId": "jr_1"})
        for _ in range(2):  # once when started, once when waited for
            stubber.add_response("get_job_run", {"JobRun": run}, {"JobName": JOB, "RunId": "jr_1"})
        result = run_ingest(glue_jobs(handing("glue", lambda made: client)), DAYS[0], DAYS[0])
        stubber.assert_no_pending_responses()
    assert not result.success
    assert f"completed with status {state}" in failure_text(result) and message in failure_text(result)


class StoppedWhileRunning(Delegate):
    """A Glue client whose run is waited for while the Dagster run is being stopped."""

    def __init__(self, client):
        super().__init__(client)
        self.polls = 0

    def get_job_run(self, **params):
        self.polls += 1
        if self.polls > 1:  # the first call is PipesGlueClient's look right after the start
            raise DagsterExecutionInterruptedError
        return self.client.get_job_run(**params)


def test_stopping_the_dagster_run_stops_the_glue_run(no_late_messages):
    client = boto3.client("glue")  # moto has no BatchStopJobRun: a stub answers
    with Stubber(client) as stubber:
        stubber.add_response("start_job_run", {"JobRunId": "jr_1"})
        stubber.add_response("get_job_run", {"JobRun": {"Id": "jr_1", "JobName": JOB, "JobRunState": "RUNNING"}})
        stopped = {"SuccessfulSubmissions": [{"JobName": JOB, "JobRunId": "jr_1"}], "Errors": []}
        stubber.add_response("batch_stop_job_run", stopped, {"JobName": JOB, "JobRunIds": ["jr_1"]})
        result = run_ingest(glue_jobs(handing("glue", lambda made: StoppedWhileRunning(client))), DAYS[0], DAYS[0])
        stubber.assert_no_pending_responses()
    assert not result.success


# --- GlueCrawler ------------------------------------------------------------------------------------------------


def crawler(wrap=None, **config) -> GlueCrawler:
    """The crawler resource, polling fast; its clients wrapped by wrap."""
    return GlueCrawler(
        clients=clients(wrap),
        crawler_names=CRAWLERS,
        databases=DATABASES,
        first_poll_seconds=0.05,
        max_poll_seconds=0.2,
        **config,
    )


def catalog_raw_sales() -> None:
    """The raw database, its crawler, and the table a crawl of raw/sales would have made."""
    glue = boto3.client("glue")
    glue.create_database(DatabaseInput={"Name": DATABASES["raw"]})
    glue.create_crawler(
        Name=CRAWLERS["raw"],
        Role="glue-role",
        DatabaseName=DATABASES["raw"],
        Targets={"S3Targets": [{"Path": f"s3://{LAKE}/raw/"}]},
    )
    glue.create_table(
        DatabaseName=DATABASES["raw"],
        TableInput={
            "Name": "sales",
            "StorageDescriptor": {
                "Columns": [{"Name": "store_id", "Type": "string"}, {"Name": "_line_number", "Type": "bigint"}]
            },
            "PartitionKeys": [{"Name": "business_date", "Type": "string"}],
        },
    )


COLUMNS = [("store_id", "string"), ("_line_number", "bigint"), ("business_date", "string")]


def test_polls_back_off_exponentially_up_to_the_cap():
    assert list(islice(backoff(0.05, 0.2), 5)) == [0.05, 0.1, 0.2, 0.2, 0.2]


def test_crawl_waits_with_backoff_for_the_crawl_then_returns_the_catalogs_schema():
    catalog_raw_sales()
    started = time.monotonic()
    with moto_transitions({"glue::crawl": {"progression": "time", "seconds": 1}}):
        assert crawler().crawl("raw", "sales") == COLUMNS
        (crawl,) = boto3.client("glue").list_crawls(CrawlerName=CRAWLERS["raw"])["Crawls"]
    assert crawl["State"] == "COMPLETED" and time.monotonic() - started >= 1


def test_crawl_waits_for_a_crawl_already_running_then_crawls_again():
    catalog_raw_sales()
    glue = boto3.client("glue")
    with moto_transitions({"glue::crawl": {"progression": "time", "seconds": 1}}):
        glue.start_crawler(Name=CRAWLERS["raw"])  # someone else's crawl, e.g. from the console
        assert crawler().crawl("raw", "sales") == COLUMNS
        crawls = glue.list_crawls(CrawlerName=CRAWLERS["raw"])["Crawls"]
    assert [crawl["State"] for crawl in crawls] == ["COMPLETED", "COMPLETED"]


def test_crawl_of_a_zone_without_a_table_returns_no_columns():
    catalog_raw_sales()
    with moto_transitions({"glue::crawl": {"progression": "immediate"}}):
        assert crawler().crawl("raw", "sales_v2") == []


def test_crawl_that_never_ends_times_out():
    catalog_raw_sales()  # moto's crawl stays RUNNING: nothing lists the crawls
    with pytest.raises(TimeoutError, match="crawler retail-raw still RUNNING"):
        crawler(timeout_seconds=0.3).crawl("raw", "sales")


def crawler_state(state: str, last: str, message: str | None = None) -> dict:
    """A GetCrawler answer."""
    last_crawl = {"Status": last, **({"ErrorMessage": message} if message else {})}
    return {"Crawler": {"Name": CRAWLERS["raw"], "State": state, "LastCrawl": last_crawl}}


def test_failed_crawl_fails_with_the_crawls_message():
    client = boto3.client("glue")
    message = "Internal Service Exception: Insufficient Lake Formation permission(s) on retail_raw"
    with Stubber(client) as stubber:
        stubber.add_response("start_crawler", {}, {"Name": CRAWLERS["raw"]})
        stubber.add_response("get_crawler", crawler_state("RUNNING", "SUCCEEDED"))
        stubber.add_response("get_crawler", crawler_state("READY", "FAILED", message))
        with pytest.raises(CrawlFailed, match=re.escape(f"crawler retail-raw FAILED: {message}")):
            crawler(handing("glue", lambda made: client)).crawl("raw", "sales")


def test_someone_elses_failed_crawl_is_waited_for_not_reported():
    client = boto3.client("glue")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "start_crawler", "CrawlerRunningException", "Crawler with name retail-raw has already started"
        )
        stubber.add_response("get_crawler", crawler_state("READY", "FAILED", "their crawl's problem"))
        stubber.add_response("start_crawler", {}, {"Name": CRAWLERS["raw"]})
        stubber.add_response("get_crawler", crawler_state("READY", "SUCCEEDED"))
        table = {"Name": "sales", "StorageDescriptor": {"Columns": [{"Name": "store_id", "Type": "string"}]}}
        stubber.add_response("get_table", {"Table": table}, {"DatabaseName": DATABASES["raw"], "Name": "sales"})
        assert crawler(handing("glue", lambda made: client)).crawl("raw", "sales") == [("store_id", "string")]
        stubber.assert_no_pending_responses()


# --- AuroraWarehouse -------------------------------------------------------------------------------------------


class SecretReads(Delegate):
    """A Secrets Manager client counting GetSecretValue calls."""

    reads = 0

    def get_secret_value(self, **params):
        SecretReads.reads += 1
        return self.client.get_secret_value(**params)


def test_aurora_warehouse_reads_its_secret_by_name_or_arn_once_per_run_and_loads_postgres(postgres_url):
    arn = store_aurora_secret("retail/aurora", postgres_url)
    day = date(2023, 11, 5)
    row = {
        "business_date": day, "store_id": "s1", "product_id": "p1", "product_name": None, "category": None,
        "brand": None, "units_sold": 2, "units_returned": 0, "gross_revenue": 3, "returns_amount": 0,
        "net_revenue": 3, "transactions": 1, "customers": 1,
    }  # fmt: skip
    counted = clients(handing("secretsmanager", SecretReads))
    SecretReads.reads = 0
    by_name = AuroraWarehouse(clients=counted, secret_id="retail/aurora")
    by_arn = AuroraWarehouse(clients=counted, secret_id=arn)
    with by_name.process_config_and_initialize_cm() as loading:
        assert SecretReads.reads == 1  # read when the run sets the resource up
        loading.load_days(pa.Table.from_pylist([row], schema=DAILY_SALES_SCHEMA), [day.isoformat()])
        assert loading.totals([day.isoformat()])[day]["rows"] == 1
        assert SecretReads.reads == 1  # and not again on each call
    try:
        assert by_arn.totals([day.isoformat()])[day]["rows"] == 1
        assert [stored["store_id"] for stored in table_rows(postgres_url, [day])] == ["s1"]
    finally:
        by_arn.load_days(DAILY_SALES_SCHEMA.empty_table(), [day.isoformat()])
    assert SecretReads.reads == 2  # by_arn, used without a run: read on first use, once


def test_aurora_secret_requires_tls_by_default_and_names_what_it_lacks():
    assert "sslmode=verify-full" in conninfo_from_secret({"host": "db", "username": "u", "password": "p"})
    with pytest.raises(ValueError, match="lacks password$"):
        conninfo_from_secret({"host": "db", "username": "u"})
