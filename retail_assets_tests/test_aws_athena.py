"""AwsAthena against moto: the statement, its workgroup and parameters, the waiting, and every way it can fail."""

import boto3
import pytest
import sqlglot
from botocore.stub import Stubber
from dagster._core.errors import DagsterExecutionInterruptedError
from sqlglot import exp

from retail_assets.defs.resources.aws.athena import MIN_BYTES, USD_PER_TB, AthenaQueryFailed, AwsAthena
from retail_assets.defs.resources.aws.crawler import GlueCrawler
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.lake import ZONES
from retail_assets_tests.support.aws_harness import Delegate
from retail_assets_tests.support.moto_account import REGION, clients, handing, moto_server, moto_transitions, reset_moto

LAKE, WORKGROUP = "retail-lake", "retail-workgroup"
DATABASES = {zone: f"retail_{zone}" for zone in ZONES}
DAYS = ["2024-03-01", "2024-03-02", "2024-03-03"]
SQL = "insert_final_daily_sales"


@pytest.fixture(scope="module")
def endpoint():
    """One moto server for the module."""
    with moto_server() as url:
        yield url


def keys(prefix: str = "") -> dict[str, bytes]:
    """The lake bucket's objects under prefix, with their content."""
    s3 = boto3.client("s3")
    found = s3.list_objects_v2(Bucket=LAKE, Prefix=prefix).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=LAKE, Key=item["Key"])["Body"].read() for item in found}


@pytest.fixture
def final_days(endpoint) -> dict[str, bytes]:
    """A new account: final/daily_sales catalogued with three days of one object each, the workgroup; the objects."""
    reset_moto(endpoint)
    glue, s3 = boto3.client("glue"), boto3.client("s3")
    s3.create_bucket(Bucket=LAKE, CreateBucketConfiguration={"LocationConstraint": REGION})
    for zone in ("cleaned", "final"):
        glue.create_database(DatabaseInput={"Name": DATABASES[zone]})
    location = f"s3://{LAKE}/final/daily_sales/"
    glue.create_table(
        DatabaseName=DATABASES["final"],
        TableInput={
            "Name": "daily_sales",
            "StorageDescriptor": {"Location": location},
            "PartitionKeys": [{"Name": "business_date", "Type": "string"}],
        },
    )
    glue.batch_create_partition(
        DatabaseName=DATABASES["final"],
        TableName="daily_sales",
        PartitionInputList=[
            {"Values": [day], "StorageDescriptor": {"Location": f"{location}business_date={day}/"}} for day in DAYS
        ],
    )
    for day in DAYS:
        s3.put_object(
            Bucket=LAKE, Key=f"final/daily_sales/business_date={day}/old-{day}", Body=f"rows of {day}".encode()
        )
    boto3.client("athena").create_work_group(
        Name=WORKGROUP, Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{LAKE}/athena-results/"}}
    )
    return keys("final/")


def athena(wrap=None) -> AwsAthena:
    """The Athena resource over the lake on S3 and the Glue catalog, polling fast; clients wrapped by wrap."""
    aws = clients(wrap)
    return AwsAthena(
        clients=aws,
        lake=S3Lake(clients=aws, landing_bucket="retail-landing", lake_bucket=LAKE),
        crawler=GlueCrawler(clients=aws, crawler_names={}, databases=DATABASES),
        workgroup=WORKGROUP,
        databases=DATABASES,
        output_location=f"s3://{LAKE}/athena-results/",
        first_poll_seconds=0.01,
        max_poll_seconds=0.04,
    )


def partition_days() -> list[str]:
    """The days final/daily_sales has a catalog partition for."""
    partitions = boto3.client("glue").get_partitions(DatabaseName=DATABASES["final"], TableName="daily_sales")[
        "Partitions"
    ]
    return sorted(partition["Values"][0] for partition in partitions)


class Recorded(Delegate):
    """A client whose calls are listed by method name."""

    def __init__(self, client, calls: list[str]):
        super().__init__(client)
        self.calls = calls

    def __getattr__(self, name: str):
        method = getattr(self.client, name)

        def call(**params):
            self.calls.append(name)
            return method(**params)

        return call


def test_insert_runs_in_the_workgroup_after_moving_its_days_aside(final_days):
    calls = []
    with moto_transitions({"athena::execution": {"progression": "manual", "times": 2}}):
        written = athena(handing("athena", lambda client: Recorded(client, calls))).replace_days(SQL, DAYS[:2])
    assert calls.count("get_query_execution") == 4  # QUEUED, QUEUED → RUNNING, RUNNING, RUNNING → SUCCEEDED
    client = boto3.client("athena")
    (query_id,) = client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    query = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    assert query["WorkGroup"] == WORKGROUP
    assert query["ResultConfiguration"]["OutputLocation"].startswith(f"s3://{LAKE}/athena-results/")
    assert query["ExecutionParameters"] == ["'2024-03-01'", "'2024-03-02'"]
    statement = sqlglot.parse_one(query["Query"], read="athena")
    assert statement.this.sql() == "retail_final.daily_sales"
    assert [table.sql() for table in statement.expression.find_all(exp.Table)] == ["retail_cleaned.sales"]
    # moto's query wrote nothing: the two days are empty, the third untouched, nothing left aside.
    assert keys("final/") == {key: body for key, body in final_days.items() if DAYS[2] in key}
    assert partition_days() == DAYS[2:]
    assert written.rows_by_day == {DAYS[0]: 0, DAYS[1]: 0}
    assert written.metadata == {
        "athena_query_id": query_id,
        "athena_bytes_scanned": 0,
        "athena_engine_ms": 0,
        "athena_estimated_cost_usd": round(MIN_BYTES / 1024**4 * USD_PER_TB, 6),
    }


def test_failed_insert_raises_athenas_message_and_puts_the_days_back(final_days):
    client = boto3.client("athena")
    message = "COLUMN_NOT_FOUND: line 1:8: Column 'store_id' cannot be resolved"
    failed = {
        "QueryExecutionId": "q-1",
        "Status": {"State": "FAILED", "AthenaError": {"ErrorCategory": 2, "ErrorMessage": message}},
    }
    with Stubber(client) as stubber:
        stubber.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stubber.add_response("get_query_execution", {"QueryExecution": failed}, {"QueryExecutionId": "q-1"})
        with pytest.raises(AthenaQueryFailed, match=f"Athena query q-1 FAILED: {message}"):
            athena(handing("athena", lambda made: client)).replace_days(SQL, DAYS[:2])
    assert keys("final/") == final_days
    assert partition_days() == DAYS


class CancelledMidway(Delegate):
    """An Athena client whose query writes part of a day, then is cancelled (as from the console)."""

    def start_query_execution(self, **params):
        query_id = self.client.start_query_execution(**params)["QueryExecutionId"]
        key = f"final/daily_sales/business_date={DAYS[0]}/{query_id}_00000"
        boto3.client("s3").put_object(Bucket=LAKE, Key=key, Body=b"half a day")
        self.client.stop_query_execution(QueryExecutionId=query_id)
        return {"QueryExecutionId": query_id}


def test_cancelled_insert_fails_and_its_partial_output_is_replaced_by_the_old_days(final_days):
    with pytest.raises(AthenaQueryFailed, match="CANCELLED"):
        athena(handing("athena", CancelledMidway)).replace_days(SQL, DAYS[:2])
    assert keys("final/") == final_days
    assert partition_days() == DAYS


class Interrupted(Delegate):
    """An Athena client polled while the Dagster run is being stopped."""

    def get_query_execution(self, **params):
        raise DagsterExecutionInterruptedError


def test_stopped_dagster_run_stops_the_query_and_puts_the_days_back(final_days):
    with (
        moto_transitions({"athena::execution": {"progression": "manual", "times": 100}}),
        pytest.raises(DagsterExecutionInterruptedError),
    ):
        athena(handing("athena", Interrupted)).replace_days(SQL, DAYS[:2])
    client = boto3.client("athena")
    (query_id,) = client.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
    assert client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] == "CANCELLED"
    assert keys("final/") == final_days
