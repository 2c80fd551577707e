"""QuickSight against a moto server (Stubber where moto lacks the call): provision, its idempotence, SPICE refreshes."""

import copy
from pathlib import Path

import boto3
import dagster as dg
import pytest

from retail_assets.defs.assets.dashboard import sales_dashboard
from retail_assets.defs.report_tables import QUICKSIGHT_REPORTS
from retail_assets.defs.resources.aws.quicksight import QuickSightIngestionFailed, QuickSightSpice
from retail_assets.provisioning.provision import provision
from retail_assets.provisioning.quicksight_definitions import DASHBOARD_ACTIONS, DATA_SOURCE_ACTIONS, DATASET_ACTIONS
from retail_assets.settings import aws_settings_from
from retail_assets_tests.support.moto_account import REGION, clients, moto_server, reset_moto
from retail_assets_tests.support.quicksight_stubs import MotoAndStubber
from retail_assets_tests.support.report_lake import report_lake
from retail_assets_tests.support.url_warehouse import UrlWarehouse, scratch_database

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:group/default/analysts"
ENVIRONMENT = {"RETAIL_AWS_PREFIX": "retail-qs", "AWS_DEFAULT_REGION": REGION, "RETAIL_QUICKSIGHT_PRINCIPAL": PRINCIPAL}
AWS = aws_settings_from(ENVIRONMENT)
DATASETS = [AWS.quicksight_dataset(table) for table in QUICKSIGHT_REPORTS]


@pytest.fixture(scope="module")
def endpoint():
    """One moto server for the module."""
    with moto_server() as url:
        yield url


@pytest.fixture()
def quicksight(endpoint, monkeypatch):
    """An empty account whose QuickSight clients are moto's, with the Stubber behind the calls moto lacks."""
    reset_moto(endpoint)
    client = MotoAndStubber(REGION)
    # provision makes its clients with boto3 (no resource to hand a stand-in to), as test_provision answers its
    # unimplemented calls: boto3's own client factory hands out the stand-in for QuickSight.
    make_client = boto3.session.Session.client
    monkeypatch.setattr(
        boto3.session.Session,
        "client",
        lambda self, service, *args, **kwargs: (
            client if service == "quicksight" else make_client(self, service, *args, **kwargs)
        ),
    )
    yield client
    client.stubber.assert_no_pending_responses()


def spice() -> QuickSightSpice:
    """The SPICE refresh, polling fast; its QuickSight client is the fixture's (boto3 hands it out)."""
    return QuickSightSpice(clients=clients(), dataset_ids=DATASETS, first_poll_seconds=0.01)


def quicksight_outcomes(tmp_path: Path, aws=AWS) -> dict[str, str]:
    """Provision, returning {resource: outcome} of the QuickSight lines."""
    lines: list[str] = []
    provision(aws, "UTC", tmp_path / "iam", echo=lines.append)
    return dict(line.split(": ", 1) for line in lines[1:] if line.startswith("quicksight"))


def first_provision(quicksight, tmp_path) -> dict[str, str]:
    """Provision an empty account: nothing of QuickSight exists yet."""
    for _ in DATASETS:
        quicksight.not_found("describe_data_set")
    quicksight.not_found("describe_dashboard_definition")
    return quicksight_outcomes(tmp_path)


def answer_as_aws(quicksight, sheet_name: str | None = None, dashboard_actions: list[str] | None = None) -> None:
    """Queue, in call order, what QuickSight answers a second provision about what the first created (its own fields
    added); with a sheet renamed or actions revoked by hand, also its answers to the repairs."""
    source = quicksight.params("CreateDataSource")[0]
    quicksight.stubber.add_response(
        "describe_data_source_permissions", {"Permissions": source["Permissions"], "Status": 200}
    )
    for created in quicksight.params("CreateDataSet"):
        fields = {key: created[key] for key in ("DataSetId", "Name", "PhysicalTableMap", "LogicalTableMap")}
        dataset = {
            **fields,
            "Arn": f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/{created['DataSetId']}",
            "ImportMode": "SPICE",
            "ConsumedSpiceCapacityInBytes": 2048,
            "OutputColumns": [{"Name": "net_revenue", "Type": "DECIMAL"}],
        }
        quicksight.stubber.add_response("describe_data_set", {"DataSet": dataset, "Status": 200})
        quicksight.stubber.add_response(
            "describe_data_set_permissions", {"Permissions": created["Permissions"], "Status": 200}
        )
    dashboard = quicksight.params("CreateDashboard")[0]
    definition = copy.deepcopy(dashboard["Definition"])
    definition["Options"] = {"WeekStart": "SUNDAY"}  # a default QuickSight fills in
    if sheet_name:
        definition["Sheets"][0]["Name"] = sheet_name
    quicksight.stubber.add_response(
        "describe_dashboard_definition",
        {"DashboardId": dashboard["DashboardId"], "Name": dashboard["Name"], "Definition": definition, "Status": 200},
    )
    dashboard_arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/{dashboard['DashboardId']}"
    if sheet_name:
        quicksight.stubber.add_response(
            "update_dashboard", {"DashboardId": dashboard["DashboardId"], "VersionArn": f"{dashboard_arn}/version/2"}
        )
        quicksight.stubber.add_response("update_dashboard_published_version", {"DashboardId": dashboard["DashboardId"]})
    permissions = dashboard["Permissions"]
    if dashboard_actions is not None:
        permissions = [{"Principal": PRINCIPAL, "Actions": dashboard_actions}]
    quicksight.stubber.add_response("describe_dashboard_permissions", {"Permissions": permissions, "Status": 200})
    if dashboard_actions is not None:
        quicksight.stubber.add_response("update_dashboard_permissions", {"DashboardId": dashboard["DashboardId"]})


def test_provision_creates_the_data_source_datasets_and_dashboard(quicksight, tmp_path):
    outcomes = first_provision(quicksight, tmp_path)
    assert outcomes == {
        f"quicksight data source {AWS.quicksight_data_source}": "created",
        **{f"quicksight dataset {dataset}": "created" for dataset in DATASETS},
        f"quicksight dashboard {AWS.quicksight_dashboard}": "created",
    }
    source = quicksight.moto.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="retail-qs-athena")["DataSource"]
    assert source["Type"] == "ATHENA"
    assert source["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "retail-qs-workgroup"}}

    datasets = {params["DataSetId"]: params for params in quicksight.params("CreateDataSet")}
    assert sorted(datasets) == sorted(DATASETS)
    by_day = datasets["retail-qs-sales-by-day"]
    table = by_day["PhysicalTableMap"]["report"]["RelationalTable"]
    assert (table["Schema"], table["Name"]) == ("retail_qs_final", "sales_by_day")
    assert table["DataSourceArn"] == source["Arn"]
    assert [column["Name"] for column in table["InputColumns"]] == [
        "units_sold", "units_returned", "gross_revenue", "returns_amount", "net_revenue", "transactions",
        "customers", "business_date",
    ]  # fmt: skip
    assert by_day["ImportMode"] == "SPICE"
    assert by_day["Permissions"] == [{"Principal": PRINCIPAL, "Actions": DATASET_ACTIONS}]

    dashboard = quicksight.params("CreateDashboard")[0]
    assert dashboard["Permissions"] == [{"Principal": PRINCIPAL, "Actions": DASHBOARD_ACTIONS}]
    definition = dashboard["Definition"]
    assert [declaration["DataSetArn"] for declaration in definition["DataSetIdentifierDeclarations"]] == [
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/{dataset}" for dataset in DATASETS
    ]
    visuals = definition["Sheets"][0]["Visuals"]
    titles = [next(iter(visual.values()))["Title"]["FormatText"]["PlainText"] for visual in visuals]
    assert titles == ["Total sales", "Sales per brand"]
    line = visuals[0]["LineChartVisual"]["ChartConfiguration"]["FieldWells"]["LineChartAggregatedFieldWells"]
    assert line["Category"][0]["DateDimensionField"]["Column"] == {
        "DataSetIdentifier": "sales_by_day",
        "ColumnName": "business_date",
    }
    listed = quicksight.moto.list_dashboards(AwsAccountId=ACCOUNT)["DashboardSummaryList"]
    assert [summary["DashboardId"] for summary in listed] == ["retail-qs-sales"]


def test_a_second_provision_changes_nothing(quicksight, tmp_path):
    first_provision(quicksight, tmp_path)
    answer_as_aws(quicksight)
    before = len(quicksight.calls)
    outcomes = quicksight_outcomes(tmp_path)
    assert set(outcomes.values()) == {"unchanged"}
    assert len(outcomes) == 2 + 2 * len(DATASETS) + 2  # each resource and its permissions
    assert [name for name, _ in quicksight.calls[before:] if not name.startswith("Describe")] == []


def test_drift_is_put_back(quicksight, tmp_path):
    first_provision(quicksight, tmp_path)
    # The workgroup setting changed; someone edited the dashboard and revoked an action from the principal.
    moved = aws_settings_from({**ENVIRONMENT, "RETAIL_ATHENA_WORKGROUP": "analytics"})
    answer_as_aws(quicksight, sheet_name="Edited by hand", dashboard_actions=DASHBOARD_ACTIONS[1:])

    outcomes = quicksight_outcomes(tmp_path, moved)
    assert outcomes["quicksight data source retail-qs-athena"] == "updated (DataSourceParameters)"
    assert outcomes[f"quicksight dataset {DATASETS[0]}"] == "unchanged"
    assert outcomes["quicksight dashboard retail-qs-sales"] == "updated (Definition)"
    assert outcomes["quicksight dashboard permissions retail-qs-sales"] == "updated (Actions)"
    source = quicksight.moto.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="retail-qs-athena")["DataSource"]
    assert source["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "analytics"}}
    update = quicksight.params("UpdateDashboard")[0]
    assert update["Definition"]["Sheets"][0]["Name"] == "Sales"
    assert quicksight.params("UpdateDashboardPublishedVersion")[0]["VersionNumber"] == 2
    assert quicksight.params("UpdateDashboardPermissions")[0]["GrantPermissions"] == [
        {"Principal": PRINCIPAL, "Actions": DASHBOARD_ACTIONS}
    ]
    assert quicksight.params("CreateDataSource")[0]["Permissions"] == [
        {"Principal": PRINCIPAL, "Actions": DATA_SOURCE_ACTIONS}
    ]


def queue_ingestion(quicksight, *states: dict) -> None:
    """Queue DescribeIngestion's answers, one per poll, for each dataset in turn."""
    for state in states:
        quicksight.stubber.add_response(
            "describe_ingestion",
            {
                "Ingestion": {
                    "Arn": f"arn:aws:quicksight:{REGION}:{ACCOUNT}:ingestion/any",
                    "IngestionId": "any",
                    "CreatedTime": "2024-03-02",
                    **state,
                }
            },
        )


def test_spice_refresh_waits_for_every_dataset(quicksight):
    running, done = {"IngestionStatus": "RUNNING"}, {"IngestionStatus": "COMPLETED", "RowInfo": {"RowsIngested": 31}}
    queue_ingestion(quicksight, running, done, done)
    metadata = spice().refresh(dg.get_dagster_logger())
    assert metadata == {"bi_service": "quicksight", **{f"spice_rows/{dataset}": 31 for dataset in DATASETS}}
    started = quicksight.params("CreateIngestion")
    assert [params["DataSetId"] for params in started] == DATASETS
    assert {params["IngestionType"] for params in started} == {"FULL_REFRESH"}
    polled = quicksight.params("DescribeIngestion")
    assert [params["IngestionId"] for params in polled] == [started[0]["IngestionId"]] * 2 + [started[1]["IngestionId"]]


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED"])
def test_a_failed_ingestion_fails_the_dashboard_asset_with_quicksights_message(
    quicksight, status, tmp_path, postgres_url
):
    error = {"Type": "DATA_SET_SIZE_LIMIT_EXCEEDED", "Message": "Dataset is larger than the SPICE capacity."}
    queue_ingestion(quicksight, {"IngestionStatus": status, "ErrorInfo": error})
    with scratch_database(postgres_url) as url:
        result = dg.materialize(
            [sales_dashboard],
            resources={"lake": report_lake(tmp_path).lake, "warehouse": UrlWarehouse(url=url), "bi": spice()},
            raise_on_error=False,
        )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert failure.cause.cls_name == QuickSightIngestionFailed.__name__
    assert f"{status}: DATA_SET_SIZE_LIMIT_EXCEEDED Dataset is larger than the SPICE capacity." in failure.cause.message
