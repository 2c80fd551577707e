"""The local crawler: (re)creates a zone's DuckDB view over its Parquet and reports the inferred columns."""

from pathlib import Path

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.resources.crawler import Crawler
from retail_assets.defs.resources.lake import Lake, validate_table
from retail_assets.defs.resources.local.catalog import catalog_connection, parquet_scan
from retail_assets.defs.resources.pinned import PinnedFields


class LocalCrawler(PinnedFields, Crawler):
    """A DuckDB file as the catalog: one schema per zone, one view per table over the lake's Parquet."""

    pinned = ("catalog_path",)

    catalog_path: str
    lake: Lake

    def crawl(self, zone: str, table: str) -> list[tuple[str, str]]:
        zone, table = validate_table(zone, table)
        glob = f"{self.lake.table_path(zone, table)}/{PARTITION_COLUMN}=*/*.parquet"
        with catalog_connection(Path(self.catalog_path)) as connection:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {zone}")
            if not connection.execute("SELECT count(*) FROM glob(?)", [glob]).fetchall()[0][0]:
                # A crawler over an empty prefix creates no table; drop a stale one.
                connection.execute(f"DROP VIEW IF EXISTS {zone}.{table}")
                return []
            connection.execute(f"CREATE OR REPLACE VIEW {zone}.{table} AS SELECT * FROM {parquet_scan(glob)}")
            return [(row[0], row[1]) for row in connection.execute(f"DESCRIBE {zone}.{table}").fetchall()]

    # A view over a folder glob has no partitions to keep: it sees whatever day folders the lake holds.
    def partitions(self, zone: str, table: str, days: list[str]) -> list[dict]:
        return []

    def drop_partitions(self, zone: str, table: str, days: list[str]) -> None:
        pass

    def restore_partitions(self, zone: str, table: str, partitions: list[dict]) -> None:
        pass
