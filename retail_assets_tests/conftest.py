"""Shared fixtures: one Spark session and one PostgreSQL server for the whole test run."""

import os
from pathlib import Path

import pytest

from glue_scripts.glue_job import configure_spark

pytest_plugins = ["retail_assets_tests.postgres_fixture"]

PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
BUSINESS_TIMEZONE = "America/New_York"
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def spark():
    """A local Spark session in the business time zone, shared by every test."""
    # Spark's Python workers, which run the JSON Lines reader, import glue_scripts as the jobs do
    # (PYTHONPATH=<project root>); they inherit the environment of the JVM started here.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
    session = configure_spark(None, BUSINESS_TIMEZONE)
    yield session
    session.stop()
