"""The local instance's event log: Dagster's SQLite one, with its engines kept and the index's connection open.

Dagster's SqliteEventLogStorage builds a new engine for every transaction (its compiled statements thrown away with
it) and closes its connection after it, and closing the last connection to a WAL database checkpoints it: an event
took about 10 ms to store. A year's backfill stores some 13,000 (each check's 365 evaluations, each asset's 365
materializations, and as many planned ones): 12 checks x 365 evaluations took 46-48 s in a run, 28-32 s with this.
What is stored, where, and how it is read stays Dagster's. Dagster has no setting for it, hence the subclass; its
private names are pinned by the lock and exercised by test_event_log_storage.py.
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
from sqlalchemy.pool import NullPool

# Engines kept at once: a run uses two (its own database and the index), the webserver reads the runs a page shows.
ENGINES_KEPT = 32


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event log storage in DAGSTER_HOME/history/runs (where Dagster's default keeps it), engines kept."""

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
        """A transaction on the shard's kept engine; the rest as Dagster's own _connect does it."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created on first use; the least recently used one closed beyond ENGINES_KEPT.

        Only the index's connection is kept. A run's database is watched by the webserver for the run's live log
        (Dagster's watchdog of the .db file), and in WAL mode that file changes only at a checkpoint, which the
        close of its last connection makes: its connections close after each use, as Dagster's do, and only its
        engine (its compiled statements) is kept.
        """
        engine = self._engines.pop(shard, None)
        if engine is None:
            # One connection kept: Dagster's lock lets one transaction at a time use the storage. Creating a database
            # opens a second one for a moment (its migration inspects the tables), closed again on its return.
            pooling = {"pool_size": 1, "max_overflow": 2} if shard == INDEX_SHARD_NAME else {"poolclass": NullPool}
            engine = create_engine(
                self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, **pooling
            )
        self._engines[shard] = engine
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
