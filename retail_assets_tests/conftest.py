"""Shared fixtures: one Spark session and one PostgreSQL server for the whole test run."""

import os

import pytest

from glue_scripts.spark_session import configure_spark
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE, PROJECT_ROOT

pytest_plugins = ["retail_assets_tests.support.postgres_fixture"]

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
