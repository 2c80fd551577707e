"""Pytest plugin: one PostgreSQL server for the whole test session, RETAIL_DATABASE_URL or an embedded one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from retail_assets.warehouse.embedded_server import EmbeddedPostgres
from retail_assets.warehouse.roles import ADMIN


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL database for tests: RETAIL_DATABASE_URL if set, else an embedded server in a temp dir."""
    external = os.environ.get("RETAIL_DATABASE_URL")
    if external:
        yield external
        return
    # Not tmp_path_factory: pytest keeps old base temp dirs, and a cluster is ~40 MB.
    home = Path(tempfile.mkdtemp(prefix="retail-pg-"))
    server = EmbeddedPostgres(home)
    try:
        # The superuser's: tests create and drop databases; the pipeline itself loads as the loader role.
        yield server.url(ADMIN)
    finally:
        server.remove()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def embedded_home() -> Iterator[Path]:
    """A fresh home for an embedded server of the test's own, stopped and deleted with its cluster afterwards."""
    path = Path(tempfile.mkdtemp(prefix="retail-pg-test-"))
    try:
        yield path
    finally:
        if (path / "postgres").is_symlink():  # a test planted it: never delete through it
            (path / "postgres").unlink()
        EmbeddedPostgres(path).remove()
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def separate_database(postgres_url: str, name: str) -> Iterator[str]:
    """A fresh database of its own on the test server (name is a test's constant), dropped afterwards; yields its URL."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield make_conninfo(postgres_url, dbname=name)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
