"""A warehouse at a given URL, and a database of its own per test module on the session's PostgreSQL server."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from retail_assets.defs.resources.warehouse import Warehouse


class UrlWarehouse(Warehouse):
    """The warehouse at a given URL: the test server."""

    url: str

    def conninfo(self) -> str:
        return self.url


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server (so that other tests' days are not in it); dropped afterwards."""
    name = f"retail_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a generated identifier, no input
    try:
        yield make_conninfo(**{**conninfo_to_dict(server_url), "dbname": name})
    finally:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
