"""Shared fixtures (one Spark session, one PostgreSQL server for the whole run) and the fast/system split."""

import os
from pathlib import Path

import pytest

from glue_scripts.spark_session import configure_spark
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE, PROJECT_ROOT
from retail_assets_tests.support.moto_account import moto_requests_over_tls

pytest_plugins = ["retail_assets_tests.support.postgres_fixture", "retail_assets_tests.support.provision_harness"]

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

SYSTEM = "system"
# A test that uses one of these fixtures, directly or through another fixture, starts Spark or PostgreSQL.
SYSTEM_FIXTURES = {"spark", "postgres_url"}
# Tests that start Spark, a server or a Dagster process themselves, or that run at scale: module, or module and test.
SYSTEM_MODULES = {
    "test_dagster_dev.py",  # `dagster dev` with its daemon
    "test_embedded_postgres.py",  # starts and stops its own PostgreSQL servers
    "test_demo_ui.py",  # the demo CLI, then `dagster dev` and Chromium
    "test_warehouse_url.py",  # the embedded PostgreSQL server, and psql
    "test_warehouse_tls.py",  # TLS servers on loopback
    "test_glue_runner.py",  # the warm Glue runner's JVM, its jobs killed and cancelled
    "test_reports.py",  # ranged Dagster runs of every report over DuckDB
    "test_lock_audit.py",  # pip-audit processes against an OSV-compatible server on loopback
    "test_sales_api.py",  # serve-sales-api processes, and a Python loading Dagster
    "test_event_log_storage.py",  # Dagster runs in processes of their own, two of them writing one instance at once
}
SYSTEM_TESTS = {
    # a Glue runner's JVM
    (
        "test_glue_runner_classes.py",
        "test_a_runner_whose_jobs_all_succeeded_writes_the_archive_and_the_next_runner_maps_it",
    ),
    ("test_glue_runner_classes.py", "test_a_runner_with_a_failed_job_writes_no_archive"),
    ("test_glue_runner_classes.py", "test_an_archive_the_jvm_cannot_use_is_deleted_and_the_jobs_still_run"),
    ("test_definitions.py", "test_definitions_load_without_network_or_processes"),  # a Python loading Dagster
    ("test_definitions.py", "test_workspace_graph_has_exactly_the_design_edges"),  # a code server process
    ("test_definitions.py", "test_workspace_assets_carry_zone_kinds_owners_description_and_code_reference"),  # server
    ("test_definitions.py", "test_dagster_cli_validates_the_workspace"),  # the dagster CLI
    ("test_definitions.py", "test_dg_checks_and_lists_the_definitions"),  # the dg CLI
    ("test_sources_cli.py", "test_the_complete_journey_file_splits_like_the_pre_converted_one"),  # the real file
    ("test_schedule.py", "test_the_tick_follows_the_business_timezone"),  # a Python loading Dagster
    ("test_schedule.py", "test_a_30_day_backfill_is_one_run"),  # the daemon's backfill iteration
    ("test_redaction.py", "test_a_malformed_database_url_leaves_the_password_out_of_a_real_run"),  # the dagster CLI
    ("test_ingest_transform.py", "test_a_script_run_without_its_arguments_says_which_are_missing"),  # Glue scripts
    ("test_aws_resources.py", "test_glue_run_gets_the_range_and_workers_and_reports_through_s3"),  # a Glue script
    ("test_landing_sensor.py", "test_100000_objects_over_several_ticks_none_missed_none_twice"),  # at scale
    ("test_propensity_service.py", "test_serve_model_answers_predict_by_id_and_by_features"),  # a server process
    ("test_propensity_service.py", "test_the_form_shows_a_score_in_chromium"),  # a server and Chromium
    ("test_spark_environment.py", "test_the_job_subprocess_starts_without_the_parents_secrets"),  # a job process
    ("test_spark_environment.py", "test_a_plain_size_from_run_config_is_used"),  # a job process
    ("test_spark_environment.py", "test_a_runs_jobs_share_one_runner_stopped_after_the_last_glue_job"),  # a runner
    (
        "test_provision_security.py",
        "test_the_jobs_install_their_wheels_from_the_lake_by_hash_and_import_nothing_else",
    ),  # pip
    # Each starts an embedded PostgreSQL server (the refusals in that module start none and stay fast).
    ("test_embedded_postgres_security.py", "test_a_linked_password_file_is_not_written_through"),
    ("test_embedded_postgres_security.py", "test_an_interrupted_initdb_is_cleaned_without_following_a_link_in_it"),
    ("test_embedded_postgres_security.py", "test_home_is_created_private"),
    ("test_embedded_postgres_security.py", "test_the_urls_carry_no_password_and_work_through_their_password_file"),
    ("test_embedded_postgres_security.py", "test_the_loader_owns_the_tables_and_is_no_superuser"),
    ("test_embedded_postgres_security.py", "test_the_analyst_reads_but_cannot_write_or_run_programs"),
    ("test_embedded_postgres_security.py", "test_the_local_warehouse_loads_as_the_loader"),
}


@pytest.fixture(scope="session", autouse=True)
def _moto_requests_over_tls():
    """Buckets are TLS-only; moto, which cannot tell, sees botocore's requests as TLS ones, as AWS does."""
    with moto_requests_over_tls():
        yield


@pytest.fixture(scope="session", autouse=True)
def _cache_of_this_test_run(tmp_path_factory):
    """The Glue runners' class-data archive is this test run's (shared by its workers), not the user's."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.getbasetemp().parent / "xdg-cache")
    yield


@pytest.fixture(scope="session")
def spark():
    """A local Spark session in the business time zone, shared by every test."""
    # Spark's Python workers, which run the JSON Lines reader, import glue_scripts as the jobs do
    # (PYTHONPATH=<project root>); they inherit the environment of the JVM started here.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
    session = configure_spark(None, BUSINESS_TIMEZONE)
    yield session
    session.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the system tests; `-m "not system"` then runs the fast layer (no Spark, no server, no subprocess)."""
    collected: dict[str, set[str]] = {}
    for item in items:
        module = Path(item.location[0]).name
        name = getattr(item, "originalname", item.name)
        collected.setdefault(module, set()).add(name)
        if (
            SYSTEM_FIXTURES & set(getattr(item, "fixturenames", ()))
            or module in SYSTEM_MODULES
            or (module, name) in SYSTEM_TESTS
        ):
            item.add_marker(SYSTEM)
    # A renamed test must not slip into the fast layer unnoticed: when whole modules are collected, every test
    # listed for one of them exists.
    if config.option.keyword or any("::" in arg for arg in config.args):
        return
    missing = sorted(f"{module}::{name}" for module, name in SYSTEM_TESTS if name not in collected.get(module, {name}))
    if missing:
        raise pytest.UsageError(f"conftest.py lists system tests that do not exist: {', '.join(missing)}")
