"""Report exports on AWS against moto: UNLOAD in the workgroup, the month's old files replaced, a CSV with a header."""

import csv
import io
from decimal import Decimal

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.report_tables import REPORTS_BY_TABLE
from retail_assets.defs.resources.aws.athena import AthenaQueryFailed, AwsAthena
from retail_assets.defs.resources.aws.crawler import GlueCrawler
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.aws.report_exports import AwsReportExports
from retail_assets.defs.resources.lake import ZONES
from retail_assets.provisioning.provision_report_tables import report_table_input
from retail_assets.settings import aws_settings_from
from retail_assets_tests.support.aws_harness import Backstage
from retail_assets_tests.support.moto_account import REGION, clients, handing, moto_server, reset_moto
from retail_assets_tests.support.unload_harness import AthenaWithUnload

AWS = aws_settings_from({"RETAIL_AWS_PREFIX": "retail", "AWS_DEFAULT_REGION": REGION})
LAKE = AWS.lake_bucket
REPORT = REPORTS_BY_TABLE["brand_sales_monthly"]
MONTHS = {"2024-03-01": ["Acme", "Smith, Sons & Co", "(none)"], "2024-04-01": ["Acme"]}


def month_rows(month_start: str, brands: list[str]) -> pa.Table:
    """A month of brand_sales_monthly as Athena's INSERT writes it (the partition column in the path)."""
    rows = [
        {
            "month": month_start[:7], "brand": brand, "net_revenue": Decimal(f"{10 + index}.2500"),
            "gross_revenue": Decimal(f"{12 + index}.2500"), "returns_amount": Decimal("2.0000"),
            "units_sold": 3 + index, "units_returned": 1,
        }
        for index, brand in enumerate(brands)
    ]  # fmt: skip
    return pa.Table.from_pylist(rows, schema=REPORT.schema)


@pytest.fixture(scope="module")
def endpoint():
    """One moto server for the module."""
    with moto_server() as url:
        yield url


@pytest.fixture
def catalogued(endpoint):
    """brand_sales_monthly catalogued (the table provision creates) with two months, a stale export, the workgroup."""
    reset_moto(endpoint)
    glue, s3 = boto3.client("glue"), boto3.client("s3")
    s3.create_bucket(Bucket=LAKE, CreateBucketConfiguration={"LocationConstraint": REGION})
    glue.create_database(DatabaseInput={"Name": AWS.database("final")})
    table_input = report_table_input(AWS, REPORT)
    glue.create_table(DatabaseName=AWS.database("final"), TableInput=table_input)
    location = table_input["StorageDescriptor"]["Location"]
    for month_start, brands in MONTHS.items():
        buffer = io.BytesIO()
        pq.write_table(month_rows(month_start, brands), buffer)
        key = f"final/{REPORT.table}/{PARTITION_COLUMN}={month_start}/insert_00000"
        s3.put_object(Bucket=LAKE, Key=key, Body=buffer.getvalue())
        glue.create_partition(
            DatabaseName=AWS.database("final"),
            TableName=REPORT.table,
            PartitionInput={
                "Values": [month_start],
                "StorageDescriptor": {
                    **table_input["StorageDescriptor"],
                    "Location": f"{location}{key.split('/')[2]}/",
                },
            },
        )
    stale = f"reports/{REPORT.table}/month=2024-03/parquet/old-run_00000"
    s3.put_object(Bucket=LAKE, Key=stale, Body=b"last run's export")
    boto3.client("athena").create_work_group(
        Name=AWS.athena_workgroup, Configuration={"ResultConfiguration": {"OutputLocation": AWS.athena_output}}
    )
    return stale


def exports(tmp_path) -> AwsReportExports:
    """The AWS exports on a lake in the moto bucket, with an Athena whose UNLOADs DuckDB runs, polling fast."""
    backstage = Backstage(tmp_path)
    aws_clients = clients(handing("athena", lambda client: AthenaWithUnload(client, backstage)))
    lake = S3Lake(clients=aws_clients, landing_bucket=AWS.landing_bucket, lake_bucket=LAKE)
    databases = {zone: AWS.database(zone) for zone in ZONES}
    athena = AwsAthena(
        clients=aws_clients,
        lake=lake,
        crawler=GlueCrawler(clients=aws_clients, crawler_names={}, databases=databases),
        workgroup=AWS.athena_workgroup,
        databases=databases,
        output_location=AWS.athena_output,
        first_poll_seconds=0.01,
        max_poll_seconds=0.02,
    )
    return AwsReportExports(athena=athena)


def test_unload_replaces_the_month_and_the_csv_has_a_header_and_quotes(catalogued, tmp_path):
    files = exports(tmp_path).export_month(REPORT, "2024-03")

    folder = f"s3://{LAKE}/reports/{REPORT.table}/month=2024-03"
    assert [(file.format, file.uri, file.rows) for file in files] == [
        ("parquet", f"{folder}/parquet/", 3),
        ("csv", f"{folder}/csv/{REPORT.table}.csv", 3),
    ]
    s3 = boto3.client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=LAKE, Prefix="reports/")["Contents"]]
    assert catalogued not in keys  # the previous export went first: UNLOAD refuses a folder with objects
    assert len([key for key in keys if "/parquet/" in key]) == 2

    query = boto3.client("athena").list_query_executions(WorkGroup=AWS.athena_workgroup)["QueryExecutionIds"]
    execution = boto3.client("athena").get_query_execution(QueryExecutionId=query[0])["QueryExecution"]
    assert execution["Query"].startswith(f"UNLOAD (SELECT * FROM {AWS.database('final')}.{REPORT.table} WHERE")
    assert execution["ExecutionParameters"] == ["'2024-03'"]

    text = s3.get_object(Bucket=LAKE, Key=f"reports/{REPORT.table}/month=2024-03/csv/{REPORT.table}.csv")["Body"]
    rows = list(csv.reader(io.StringIO(text.read().decode())))
    assert rows[0] == [*REPORT.schema.names, PARTITION_COLUMN]
    # In the report's order (by brand), whatever the order of UNLOAD's objects; the comma survives quoting.
    assert [row[1] for row in rows[1:]] == ["(none)", "Acme", "Smith, Sons & Co"]
    assert {row[-1] for row in rows[1:]} == {"2024-03-01"}


def test_a_failed_unload_fails_with_athenas_message(catalogued, tmp_path):
    boto3.client("glue").delete_table(DatabaseName=AWS.database("final"), Name=REPORT.table)
    with pytest.raises(AthenaQueryFailed, match="FAILED: .*brand_sales_monthly"):
        exports(tmp_path).export_month(REPORT, "2024-03")
