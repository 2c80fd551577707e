"""The local Athena: DuckDB over the catalog's views, running the Athena SQL files transpiled by sqlglot."""

import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.resources.athena import Athena, DaysWritten, load_insert
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.local.catalog import catalog_connection


class LocalAthena(Athena):
    """DuckDB over the catalog's views, running the Athena SQL transpiled by sqlglot."""

    catalog_path: str

    def replace_days(self, lake: Lake, sql_name: str, days: list[str]) -> DaysWritten:
        statement = load_insert(sql_name)
        with catalog_connection(Path(self.catalog_path)) as connection:
            if all(table_exists(connection, *source) for source in statement.sources):
                sql = statement.select.sql(dialect="duckdb")
                result = connection.sql(sql, params=[days[0], days[-1]]).to_arrow_table()
            else:
                # A crawler creates no table over an empty zone: the query reads nothing, and the days empty.
                result = pa.table({PARTITION_COLUMN: pa.array([], pa.string())})
        return DaysWritten(publish_days(lake, statement.zone, statement.table, days, result), {"engine": "duckdb"})


def table_exists(connection, zone: str, table: str) -> bool:
    """Whether the catalog holds zone.table."""
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    return connection.execute(query, [zone, table]).fetchall()[0][0] > 0


def publish_days(lake: Lake, zone: str, table: str, days: list[str], rows: pa.Table) -> dict[str, int]:
    """Write each day's rows to a staging folder, then swap it in for the day; empty days are removed."""
    outside = set(rows.column(PARTITION_COLUMN).to_pylist()) - set(days)
    if outside:
        raise ValueError(f"statement returned days outside the chunk: {sorted(outside)}")
    filesystem = lake.filesystem()
    # Staging sits beside the partitions under a name no partition glob (business_date=*) matches.
    staging = f"{lake.table_path(zone, table)}/_staging-{uuid.uuid4().hex}"
    data = rows.drop_columns([PARTITION_COLUMN])
    counts = {}
    filesystem.create_dir(staging)
    try:
        for day in days:
            day_rows = data.filter(pc.equal(rows.column(PARTITION_COLUMN), day))
            counts[day] = day_rows.num_rows
            if day_rows.num_rows:
                filesystem.create_dir(f"{staging}/new/{day}")
                pq.write_table(day_rows, f"{staging}/new/{day}/part-00000.parquet", filesystem=filesystem)
        filesystem.create_dir(f"{staging}/old")
        for index, day in enumerate(days):
            try:
                swap_day(filesystem, lake.day_path(zone, table, day), f"{staging}/new/{day}", f"{staging}/old/{day}")
            except Exception:
                # Put back the previous good data of the days swapped so far, and of the failing day if its folder
                # had already moved aside (if not, it is still in place and stays).
                for touched in days[: index + 1]:
                    retired = f"{staging}/old/{touched}"
                    if touched != day or _is_dir(filesystem, retired):
                        swap_day(
                            filesystem, lake.day_path(zone, table, touched), retired, f"{staging}/failed/{touched}"
                        )
                raise
    finally:
        filesystem.delete_dir(staging)
    return counts


def swap_day(filesystem: pafs.FileSystem, day_path: str, new_path: str, retired_path: str) -> None:
    """Move a day's folder (if any) to retired_path, then new_path (if any) into its place."""
    if _is_dir(filesystem, day_path):
        filesystem.create_dir(retired_path.rsplit("/", 1)[0])
        filesystem.move(day_path, retired_path)
    if _is_dir(filesystem, new_path):
        filesystem.move(new_path, day_path)


def _is_dir(filesystem: pafs.FileSystem, path: str) -> bool:
    """Whether path is a folder."""
    return filesystem.get_file_info(path).type == pafs.FileType.Directory
