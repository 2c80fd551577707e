"""The local instance's event log: Dagster's SQLite one, with each database's connection kept open between uses.

Dagster's SqliteEventLogStorage builds a new engine for every statement it runs (its compiled statements thrown away
with it) and closes its one connection after it, and closing the last connection to a WAL database checkpoints it:
an event took about 10 ms to store. A year's backfill stores some 13,000 (each check's 365 evaluations, each asset's
365 materializations, and as many planned ones): 12 checks x 365 evaluations took 51 s of steps, 10-17 s kept open.
What is stored, where, and how it is read stays Dagster's: only the connections are kept, one per database file.
Dagster has no setting for it, hence the subclass; its private names are pinned by the lock and exercised by
test_event_log_storage.py.
"""

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

# Engines (each with its one open connection) kept at once: a run uses two (its own database and the index), the
# webserver reads the runs a page shows.
ENGINES_KEPT = 32


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event log storage in DAGSTER_HOME/history/runs (where Dagster's default keeps it), connections kept."""

    def __init__(self, dagster_home: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(os.path.join(dagster_home, "history", "runs", ""), inst_data)

    @classmethod
    def config_type(cls) -> dict:
        return {"dagster_home": dg.StringSource}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: dict):
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """A transaction on the shard's kept connection; the rest as Dagster's own _connect does it."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created on first use; the least recently used one closed beyond ENGINES_KEPT."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            # One connection kept: Dagster's lock lets one transaction at a time use the storage. Creating a database
            # opens a second one for a moment (its migration inspects the tables), closed again on its return.
            engine = create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
        self._engines[shard] = engine
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _close_engines(self, keep_index: bool) -> None:
        """Close the kept connections (the index's too unless keep_index)."""
        for shard in [shard for shard in self._engines if not (keep_index and shard == INDEX_SHARD_NAME)]:
            self._engines.pop(shard).dispose()

    def wipe(self) -> None:
        # Dagster deletes the run databases' files: a connection kept open would go on writing to a deleted file.
        with self._db_lock:
            self._close_engines(keep_index=True)
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            self._close_engines(keep_index=False)
