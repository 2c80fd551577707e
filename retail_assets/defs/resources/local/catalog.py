"""The local Data Catalog: one DuckDB file, one schema per zone, one view per table over its Parquet."""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from glue_scripts.sales_contract import PARTITION_COLUMN


@contextmanager
def catalog_connection(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the catalog file, one process at a time (DuckDB allows one writer process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        connection = duckdb.connect(str(path))
        try:
            yield connection
        finally:
            connection.close()


def parquet_scan(glob: str) -> str:
    """The read_parquet call over a Hive-partitioned table; glob must come from Lake paths."""
    if "'" in glob:
        raise ValueError(f"a lake path may not contain a quote: {glob!r}")
    return (
        f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true, "
        f"hive_types = {{'{PARTITION_COLUMN}': VARCHAR}})"
    )
