"""The real pipeline over three days whose middle day has 30% broken prices: blocked, alerted, healed; and runs that
failed otherwise (a lost database, a Glue job that cannot read its file) heal nothing."""

from datetime import date
from decimal import Decimal

import dagster as dg
import pyarrow as pa
import pytest
from psycopg.conninfo import make_conninfo

from retail_assets.cli.run_range import materialize_range
from retail_assets.defs.assets.aurora import aurora_daily_sales
from retail_assets.defs.assets.cleaned import cleaned_sales
from retail_assets.defs.assets.final import final_daily_sales
from retail_assets.defs.assets.landing import landing_sales
from retail_assets.defs.assets.raw import raw_sales
from retail_assets.defs.automation.failure_sensor import run_failure_alert_sensor
from retail_assets.defs.automation.heal_sensor import HEALED_FROM_TAG, heal_sensor
from retail_assets.defs.automation.jobs import days_label, sales_pipeline
from retail_assets.defs.checks import ALL_CHECKS
from retail_assets.defs.resources.environments import local_resources
from retail_assets.settings import settings_from
from retail_assets.warehouse.loader import DAILY_SALES_SCHEMA, replace_days, table_rows
from retail_assets.warehouse.migrate import migrate
from retail_assets_tests.support.broken_prices import PRICE, UNITS, land_days, sales_csv
from retail_assets_tests.support.dagster_dev import free_port
from retail_assets_tests.support.sensor_ticks import SensorTicks

# Days no other test loads into the session's PostgreSQL.
DAYS = ["2023-05-02", "2023-05-03", "2023-05-04"]
BAD_DAY = DAYS[1]
UNREADABLE_DAY = "2023-05-06"  # an object in a format ingest does not accept: the ingest job fails
ROWS = 300  # a few hundred lines a day: the test runs the pipeline three times


def previous_version() -> list[dict]:
    """What PostgreSQL held for the bad day before this upload: one product of another store."""
    return [
        {
            "business_date": date.fromisoformat(BAD_DAY), "store_id": "s9", "product_id": "old", "product_name": "Old",
            "category": None, "brand": None, "units_sold": 7, "units_returned": 0, "gross_revenue": Decimal("70.0000"),
            "returns_amount": Decimal("0.0000"), "net_revenue": Decimal("70.0000"), "transactions": 7, "customers": 0,
        }
    ]  # fmt: skip


@pytest.fixture(scope="module")
def blocked_and_healed(tmp_path_factory, postgres_url):
    """The range run once, blocked; the heal sensor's requests run as the daemon would start them."""
    home = tmp_path_factory.mktemp("heal")
    land_days(home / "landing", DAYS, ROWS, BAD_DAY, broken_share=0.3)
    migrate(postgres_url)
    replace_days(
        postgres_url,
        pa.Table.from_pylist(previous_version(), schema=DAILY_SALES_SCHEMA),
        [date.fromisoformat(day) for day in DAYS],
    )
    settings = settings_from({"RETAIL_HOME": str(home), "RETAIL_DATABASE_URL": postgres_url})
    defs = dg.Definitions(
        assets=[landing_sales, raw_sales, cleaned_sales, final_daily_sales, aurora_daily_sales],
        asset_checks=ALL_CHECKS,
        jobs=[sales_pipeline],
        resources=local_resources(settings),
        executor=dg.in_process_executor,
    )
    with pytest.MonkeyPatch.context() as monkeypatch, dg.instance_for_test() as instance:
        monkeypatch.setenv("RETAIL_DATABASE_URL", postgres_url)  # the warehouse resolves it when a run starts
        alerts = {"alerts": defs.resources["alerts"]}
        healer = SensorTicks(instance, defs, heal_sensor(), alerts)
        alerter = SensorTicks(instance, defs, run_failure_alert_sensor(settings), alerts)
        blocked = materialize_range(defs, DAYS[0], DAYS[-1], instance)
        requests = healer.tick()
        job = defs.resolve_job_def(sales_pipeline.name)
        healed = [
            job.execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                tags=request.tags,
                asset_selection=request.asset_selection,
            )
            for request in requests
        ]
        second_tick = healer.tick()
        alerter.tick()
        alerter.tick()  # the heal runs succeeded: nothing more to alert
        alerts = list(alerter.errors)
        # Two runs that fail for other reasons: a database that is gone, a Glue job that cannot read its file.
        monkeypatch.setenv("RETAIL_DATABASE_URL", make_conninfo(postgres_url, port=free_port()))
        lost_database = job.execute_in_process(
            instance=instance, partition_key=DAYS[0], asset_selection=[aurora_daily_sales.key], raise_on_error=False
        )
        monkeypatch.setenv("RETAIL_DATABASE_URL", postgres_url)
        folder = home / "landing" / "sales" / UNREADABLE_DAY
        folder.mkdir(parents=True)
        # (A truncated gzip no longer fails the job: it is one quarantined row, an unreadable object.)
        (folder / "store_1.xlsx").write_bytes(sales_csv(UNREADABLE_DAY, ROWS, 0).encode())
        glue_failure = job.execute_in_process(
            instance=instance, partition_key=UNREADABLE_DAY, asset_selection=[raw_sales.key], raise_on_error=False
        )
        other_requests = healer.tick()
        alerter.tick()
        yield {
            "blocked": blocked,
            "requests": requests,
            "healed": healed,
            "second_tick": second_tick,
            "alerts": alerts,
            "other_failures": [lost_database, glue_failure],
            "other_requests": other_requests,
            "other_alerts": alerter.errors[len(alerts) :],
        }


def test_the_range_is_blocked_before_final(blocked_and_healed):
    blocked = blocked_and_healed["blocked"]
    assert not blocked.success
    failed = {(check.check, check.passed) for check in blocked.checks if check.check == "quarantine_rate"}
    assert ("quarantine_rate", False) in failed
    assert "final__daily_sales" in blocked.steps_not_run and "aurora__daily_sales" in blocked.steps_not_run


def test_one_alert_names_the_bad_day_and_the_blocking_check(blocked_and_healed):
    (alert,) = blocked_and_healed["alerts"]
    run_id = blocked_and_healed["blocked"].run_id
    assert f"Dagster run {run_id} was stopped by blocking asset checks." in alert
    (bad_line,) = [line for line in alert.splitlines() if line.startswith(f"  {BAD_DAY}: ")]
    assert "cleaned/sales:quarantine_rate" in bad_line
    assert not any(line.startswith(f"  {day}: ") for line in alert.splitlines() for day in (DAYS[0], DAYS[2]))
    assert f"Good days requested again: {DAYS[0]} (by heal_blocked_ranges), {DAYS[2]} (by heal_blocked_ranges)" in alert


def test_the_good_days_are_requested_as_their_own_runs_once_and_end_loaded(blocked_and_healed, postgres_url):
    requests, healed = blocked_and_healed["requests"], blocked_and_healed["healed"]
    assert [days_label(request) for request in requests] == [DAYS[0], DAYS[2]]
    assert {request.tags[HEALED_FROM_TAG] for request in requests} == {blocked_and_healed["blocked"].run_id}
    assert all(run.success for run in healed)
    # They run what the checks kept from running, with its checks; raw and cleaned of the good days passed and stay.
    assert all(request.asset_selection == [aurora_daily_sales.key, final_daily_sales.key] for request in requests)
    for run in healed:
        assert {event.asset_key for event in run.get_asset_materialization_events()} == {
            aurora_daily_sales.key,
            final_daily_sales.key,
        }
        assert {evaluation.asset_key for evaluation in run.get_asset_check_evaluations()} >= {final_daily_sales.key}
    assert blocked_and_healed["second_tick"] == []
    for day in (DAYS[0], DAYS[2]):
        rows = table_rows(postgres_url, [date.fromisoformat(day)])
        assert sum(row["units_sold"] for row in rows) == UNITS * ROWS, day
        assert sum(row["net_revenue"] for row in rows) == UNITS * Decimal(PRICE) * ROWS, day


def test_the_bad_days_previous_version_stays_in_postgres(blocked_and_healed, postgres_url):
    assert table_rows(postgres_url, [date.fromisoformat(BAD_DAY)]) == previous_version()


def test_runs_that_failed_otherwise_request_nothing_and_alert_as_failed_runs(blocked_and_healed):
    lost_database, glue_failure = blocked_and_healed["other_failures"]
    assert not lost_database.success and not glue_failure.success
    assert [event.step_key for event in glue_failure.get_step_failure_events()] == ["raw__sales"]
    assert blocked_and_healed["other_requests"] == []
    database_alert, glue_alert = blocked_and_healed["other_alerts"]
    assert f"Dagster run {lost_database.run_id} failed." in database_alert
    assert "OperationalError" in database_alert and "blocking" not in database_alert
    assert f"Dagster run {glue_failure.run_id} failed." in glue_alert and UNREADABLE_DAY in glue_alert
