"""A failed run becomes one alert naming the run, job, assets, partitions and error, with a link to the run."""

import logging

import dagster as dg
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from moto import mock_aws

from retail_assets.defs.automation.failure_sensor import run_failure_alert_sensor, run_partitions
from retail_assets.defs.resources.aws.alerts import SnsAlerts
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.local.alerts import LogAlerts
from retail_assets.settings import settings_from
from retail_assets_tests.support.log_records import CollectRecords
from retail_assets_tests.support.sns_inbox import sns_inbox

REGION = "eu-west-1"
DAGSTER_URL = "https://dagster.retail.example"
days = dg.DailyPartitionsDefinition(start_date="2024-01-01")


@dg.asset(key=["raw", "sales"], partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
def failing_raw_sales():
    """Stands in for a Glue job that fails."""
    raise RuntimeError("Glue job run jr_42 of ingest_sales FAILED: landing object sales/2024-03-02/a.txt")


@dg.asset(key=["cleaned", "sales"], deps=[failing_raw_sales], partitions_def=days)
def never_run_cleaned_sales():
    """Downstream of the failure: planned, never run."""


@pytest.fixture(scope="module")
def failed_run():
    """A run of a 30-day range that fails in raw/sales, in a throwaway in-memory instance."""
    job = dg.define_asset_job("sales_pipeline", selection=dg.AssetSelection.all())
    defs = dg.Definitions(assets=[failing_raw_sales, never_run_cleaned_sales], jobs=[job])
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("sales_pipeline").execute_in_process(
            instance=instance,
            tags={ASSET_PARTITION_RANGE_START_TAG: "2024-03-01", ASSET_PARTITION_RANGE_END_TAG: "2024-03-30"},
            raise_on_error=False,
        )
        assert not result.success
        yield instance, result


def evaluate(failed_run, alerts) -> logging.Handler:
    """Runs the failure sensor on the failed run with the given alerts resource; returns the tick's log."""
    instance, result = failed_run
    sensor = run_failure_alert_sensor(settings_from({"RETAIL_DAGSTER_URL": DAGSTER_URL + "/"}))
    # Entered as a context manager: a resource holding another (SnsAlerts holds its clients) is set up in it.
    with dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"alerts": alerts},
    ).for_run_failure() as context:
        log = CollectRecords()
        context.log.addHandler(log)
        sensor(context)
    return log


def assert_names_everything(text: str, run_id: str) -> None:
    """The alert has the run, job, assets, partitions, the error and the link."""
    assert f"Dagster run {run_id} failed." in text
    assert "Job: sales_pipeline" in text
    assert "Partitions: 2024-03-01...2024-03-30" in text
    assert "Assets: cleaned/sales, raw/sales" in text
    assert f"Run: {DAGSTER_URL}/runs/{run_id}" in text
    assert "step raw__sales: " in text
    assert "RuntimeError: Glue job run jr_42 of ingest_sales FAILED: landing object sales/2024-03-02/a.txt" in text


def test_a_failed_run_publishes_one_sns_message(failed_run):
    _, result = failed_run
    with mock_aws():
        aws = AwsClients(region=REGION)
        with sns_inbox(aws, "retail-run-failures") as received:
            evaluate(failed_run, SnsAlerts(clients=aws, topic="retail-run-failures"))  # the name: ARN found via STS
            (envelope,) = received()
    assert envelope["Subject"] == "Dagster run failed: sales_pipeline [2024-03-01...2024-03-30]"
    assert_names_everything(envelope["Message"], result.run_id)


def test_locally_the_alert_is_an_error_in_the_sensor_log(failed_run):
    _, result = failed_run
    log = evaluate(failed_run, LogAlerts())
    errors = [record.getMessage() for record in log.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert_names_everything(errors[0], result.run_id)


def test_partitions_come_from_the_run_tags():
    assert run_partitions({"dagster/partition": "2024-03-08"}) == "2024-03-08"
    assert run_partitions(
        {ASSET_PARTITION_RANGE_START_TAG: "2024-03-01", ASSET_PARTITION_RANGE_END_TAG: "2024-03-30"}
    ) == ("2024-03-01...2024-03-30")
    assert run_partitions({}) == "none"
