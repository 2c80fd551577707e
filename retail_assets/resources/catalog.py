"""Crawlers and the Data Catalog: tables over the lake's Parquet, with the schema they infer."""

import fcntl
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.resources.lake import Lake, validate_table


def table_schema_metadata(columns: list[tuple[str, str]]) -> dg.TableSchema:
    """Dagster's column schema for a crawled table."""
    return dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in columns])


class Crawler(dg.ConfigurableResource):
    """(Re)creates a zone's table from the files in the lake and reports the inferred schema."""

    @abstractmethod
    def crawl(self, lake: Lake, zone: str, table: str) -> list[tuple[str, str]]:
        """Crawl one lake table; return its columns as (name, type), empty if it holds no file."""


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


class LocalCrawler(Crawler):
    """A DuckDB file as the catalog: one schema per zone, one view per table over its Parquet."""

    catalog_path: str

    def crawl(self, lake: Lake, zone: str, table: str) -> list[tuple[str, str]]:
        zone, table = validate_table(zone, table)
        glob = f"{lake.table_path(zone, table)}/{PARTITION_COLUMN}=*/*.parquet"
        with catalog_connection(Path(self.catalog_path)) as connection:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {zone}")
            if not connection.execute("SELECT count(*) FROM glob(?)", [glob]).fetchall()[0][0]:
                # A crawler over an empty prefix creates no table; drop a stale one.
                connection.execute(f"DROP VIEW IF EXISTS {zone}.{table}")
                return []
            connection.execute(f"CREATE OR REPLACE VIEW {zone}.{table} AS SELECT * FROM {parquet_scan(glob)}")
            return [(row[0], row[1]) for row in connection.execute(f"DESCRIBE {zone}.{table}").fetchall()]
