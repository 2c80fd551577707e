"""No password of a connection string reaches an error, a log or an alert."""

import dagster as dg
import psycopg
import pytest

from retail_assets.defs.automation.failure_sensor import failure_alert
from retail_assets.redaction import redact
from retail_assets.settings import SettingsError, settings_from
from retail_assets_tests.support.dagster_cli import materialize

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'in URI: "postgresql://retail:{SECRET}@[bad/retail"', 'in URI: "postgresql://retail:***@[bad/retail"'),
        (f"postgres://u:{SECRET}@db:5432/x and postgres://v:{SECRET}@db2/y", "postgres://u:***@db:5432/x and postgres://v:***@db2/y"),
        (f"postgresql://u:p@ss{SECRET}@db/x", "postgresql://u:***@db/x"),
        (f"postgresql://u@db/x?sslmode=require&password={SECRET}&a=1", "postgresql://u@db/x?sslmode=require&password=***&a=1"),
        (f"host=db password={SECRET} port=5432", "host=db password=*** port=5432"),
        (f"host=db password = '{SECRET} \\' x' dbname=d", "host=db password = *** dbname=d"),
        ("postgresql://u@db/x?passfile=/home/u/.pgpass", "postgresql://u@db/x?passfile=/home/u/.pgpass"),
    ],
)  # fmt: skip
def test_redact_hides_each_form_of_password(text, expected):
    assert redact(text) == expected


def test_a_malformed_database_url_is_refused_without_its_password():
    with pytest.raises(SettingsError) as refused:
        settings_from({"RETAIL_DATABASE_URL": f"postgresql://retail:{SECRET}@[bad/retail"})
    error = refused.value
    assert "RETAIL_DATABASE_URL is not a libpq connection string" in str(error)
    assert SECRET not in str(error)
    assert error.__cause__ is None and error.__context__ is None  # Dagster prints both with an error


def test_a_malformed_database_url_leaves_the_password_out_of_a_real_run(tmp_path):
    output = materialize(
        tmp_path / "home", "UTC", f"postgresql://retail:{SECRET}@[bad/retail", "2024-01-01", "2024-01-01", False
    )
    assert "RETAIL_DATABASE_URL is not a libpq connection string" in output
    assert SECRET not in output


@dg.asset
def warehouse_with_a_bad_url():
    """Fails as a loader would on a URL that libpq cannot parse."""
    psycopg.connect(f"postgresql://retail:{SECRET}@[bad/retail")


def test_the_failure_alert_redacts_a_connection_string_in_the_error():
    job = dg.define_asset_job("sales_pipeline", selection=[warehouse_with_a_bad_url])
    defs = dg.Definitions(assets=[warehouse_with_a_bad_url], jobs=[job])
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("sales_pipeline").execute_in_process(instance=instance, raise_on_error=False)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert",
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        alert = failure_alert(context, "http://127.0.0.1:3000")
    assert "postgresql://retail:***@[bad/retail" in alert.error
    assert SECRET not in alert.error
