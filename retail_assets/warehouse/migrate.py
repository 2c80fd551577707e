"""Apply the SQL files in retail_assets/warehouse/migrations to a PostgreSQL database, in order, once each."""

from __future__ import annotations

import logging
import re
from importlib import resources

import psycopg

log = logging.getLogger(__name__)

# Arbitrary constant ("retail" in ASCII) naming the advisory lock that serialises concurrent migrate() calls.
_LOCK_KEY = 0x72657461696C
_FILE_NAME = re.compile(r"^(\d{3}_\w+)\.sql$")

_BOOTSTRAP = """
CREATE SCHEMA IF NOT EXISTS retail;
CREATE TABLE IF NOT EXISTS retail.schema_migrations (
    version    text        PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) of every migration file, in version order."""
    folder = resources.files("retail_assets.warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append((match.group(1), entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(conninfo: str) -> list[str]:
    """Apply the migrations not yet recorded in retail.schema_migrations; return the versions applied now."""
    applied = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # Every step takes the transaction-scoped lock first, so concurrent callers apply each file once.
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            conn.execute(_BOOTSTRAP)
        for version, sql in migration_files():
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                done = conn.execute("SELECT 1 FROM retail.schema_migrations WHERE version = %s", (version,)).fetchone()
                if done:
                    continue
                conn.execute(sql)
                conn.execute("INSERT INTO retail.schema_migrations (version) VALUES (%s)", (version,))
            log.info("Applied migration %s", version)
            applied.append(version)
    return applied
