"""A run stopped by blocking checks heals its good days, once, and a run that failed otherwise is left alone."""

import dagster as dg
import psycopg
import pytest

from retail_assets.dagster_private import partition_range_tags
from retail_assets.defs.automation.failure_sensor import run_failure_alert_sensor
from retail_assets.defs.automation.heal_sensor import HEALED_FROM_TAG, heal_sensor
from retail_assets.defs.automation.jobs import days_label, sales_pipeline
from retail_assets.defs.resources.local.alerts import LogAlerts
from retail_assets.settings import settings_from
from retail_assets_tests.support.sensor_ticks import SensorTicks

days = dg.DailyPartitionsDefinition(start_date="2024-01-01")
BAD_DAY = "2024-03-03"


@dg.asset(key=["raw", "sales"], partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
def raw_sales(context: dg.AssetExecutionContext, failure: dg.ResourceParam[str]) -> None:
    """Stands in for the Glue ingest: fails when told to, as a failed Glue job run does."""
    if failure == "glue":
        raise RuntimeError("Glue job run jr_7 of ingest_sales FAILED")


@dg.asset(
    key=["aurora", "daily_sales"], deps=[raw_sales], partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run()
)
def aurora_daily_sales(failure: dg.ResourceParam[str]) -> None:
    """Stands in for the load: fails when told to, as a lost database does."""
    if failure == "database":
        raise psycopg.OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@dg.asset_check(asset=raw_sales, partitions_def=days, blocking=True)
def quarantine_rate(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """Fails on BAD_DAY, naming it in its metadata as the range-level checks of defs/checks/ do."""
    key_range = context.partition_key_range
    failing = [day for day in days.get_partition_keys_in_range(key_range) if day == BAD_DAY]
    return dg.AssetCheckResult(passed=not failing, metadata={"days_failing": dg.MetadataValue.json(failing)})


@dg.asset_check(asset=raw_sales, partitions_def=days, blocking=True)
def rows_conserved(context: dg.AssetCheckExecutionContext):
    """Reports one evaluation per day, with its partition, then its output (as defs/checks/ do); fails on BAD_DAY."""
    for day in days.get_partition_keys_in_range(context.partition_key_range):
        yield dg.AssetCheckEvaluation(
            asset_key=raw_sales.key, check_name="rows_conserved", passed=day != BAD_DAY, partition=day, blocking=True
        )
    (output_name,) = context.op_execution_context.selected_output_names
    yield dg.Output(None, output_name=output_name)


def stand_in_defs(failure: str = "none") -> dg.Definitions:
    """The project's sales_pipeline job over the stand-in assets; failure picks what goes wrong ('glue', 'database')."""
    return dg.Definitions(
        assets=[raw_sales, aurora_daily_sales],
        asset_checks=[quarantine_rate, rows_conserved],
        jobs=[sales_pipeline],
        resources={"failure": failure},
    )


def run_range(instance: dg.DagsterInstance, first: str, last: str, failure: str = "none") -> dg.ExecuteInProcessResult:
    """One ranged run of the stand-in pipeline, which fails."""
    result = (
        stand_in_defs(failure)
        .resolve_job_def("sales_pipeline")
        .execute_in_process(instance=instance, tags=partition_range_tags(first, last), raise_on_error=False)
    )
    assert not result.success
    return result


def ticks(instance: dg.DagsterInstance, sensor: dg.SensorDefinition) -> SensorTicks:
    """The sensor ticking against instance, over the stand-in definitions, alerting in its log."""
    return SensorTicks(instance, stand_in_defs(), sensor, {"alerts": LogAlerts()})


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def test_a_blocked_range_requests_its_good_stretches_once(instance):
    healer = ticks(instance, heal_sensor())
    blocked = run_range(instance, "2024-03-01", "2024-03-06")
    requests = healer.tick()
    assert [days_label(request) for request in requests] == ["2024-03-01...2024-03-02", "2024-03-04...2024-03-06"]
    assert all(request.tags[HEALED_FROM_TAG] == blocked.run_id for request in requests)
    assert requests[0].partition_key_range == dg.PartitionKeyRange("2024-03-01", "2024-03-02")
    assert len({request.run_key for request in requests}) == 2
    assert all(blocked.run_id in request.run_key for request in requests)
    # Only what the failed checks kept from running: raw/sales was materialized, aurora/daily_sales was not.
    assert all(request.asset_selection == [aurora_daily_sales.key] for request in requests)
    assert healer.tick() == []  # the next evaluation: that failed run has been handled


def test_a_good_day_alone_is_a_run_of_its_partition(instance):
    healer = ticks(instance, heal_sensor())
    run_range(instance, "2024-03-02", "2024-03-03")
    (request,) = healer.tick()
    assert request.partition_key == "2024-03-02"
    assert request.partition_key_range is None


def test_a_blocked_day_alone_requests_nothing(instance):
    healer = ticks(instance, heal_sensor())
    run_range(instance, BAD_DAY, BAD_DAY)
    assert healer.tick() == []


@pytest.mark.parametrize("failure", ["glue", "database"])
def test_a_run_that_failed_otherwise_requests_nothing(instance, failure):
    healer = ticks(instance, heal_sensor())
    result = run_range(instance, "2024-03-04", "2024-03-06", failure)  # no bad day: the checks pass
    assert result.get_step_failure_events(), "the stand-in failure must fail a step"
    assert healer.tick() == []


def test_the_blocked_run_is_one_alert_naming_the_bad_day_and_its_checks(instance):
    alerter = ticks(instance, run_failure_alert_sensor(settings_from({})))
    blocked = run_range(instance, "2024-03-01", "2024-03-06")
    alerter.tick()
    (alert,) = alerter.errors
    assert f"Dagster run {blocked.run_id} was stopped by blocking asset checks." in alert
    assert f"  {BAD_DAY}: raw/sales:quarantine_rate, raw/sales:rows_conserved" in alert
    assert (
        "Good days requested again: 2024-03-01...2024-03-02 (by heal_blocked_ranges), 2024-03-04...2024-03-06" in alert
    )
    assert alerter.tick() == [] and len(alerter.errors) == 1


def test_a_glue_failure_alerts_as_a_failed_run(instance):
    alerter = ticks(instance, run_failure_alert_sensor(settings_from({})))
    run_range(instance, "2024-03-01", "2024-03-06", "glue")
    alerter.tick()
    (alert,) = alerter.errors
    assert "RuntimeError: Glue job run jr_7 of ingest_sales FAILED" in alert
    assert "blocking" not in alert
