"""The local Athena: DuckDB over the catalog's views, running the Athena SQL files transpiled by sqlglot."""

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.resources.athena import Athena, InsertStatement
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.local.catalog import catalog_connection
from retail_assets.defs.resources.pinned import PinnedFields


class LocalAthena(PinnedFields, Athena):
    """DuckDB over the catalog's views, running the Athena SQL transpiled by sqlglot."""

    pinned = ("catalog_path",)

    catalog_path: str

    def run_insert(self, statement: InsertStatement, days: list[str]) -> dict[str, float | int | str]:
        with catalog_connection(Path(self.catalog_path)) as connection:
            if all(table_exists(connection, *source) for source in statement.sources):
                sql = statement.select.sql(dialect="duckdb")
                result = connection.sql(sql, params=[days[0], days[-1]]).to_arrow_table()
            else:
                # A crawler creates no table over an empty zone: the query reads nothing, and the days empty.
                result = pa.table({PARTITION_COLUMN: pa.array([], pa.string())})
        write_days(self.lake, statement.zone, statement.table, days, result)
        return {"engine": "duckdb"}


def table_exists(connection, zone: str, table: str) -> bool:
    """Whether the catalog holds zone.table."""
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    return connection.execute(query, [zone, table]).fetchall()[0][0] > 0


def write_days(lake: Lake, zone: str, table: str, days: list[str], rows: pa.Table) -> None:
    """Write each day's rows into its partition folder, as Athena's INSERT does; a day without rows stays empty."""
    outside = set(rows.column(PARTITION_COLUMN).to_pylist()) - set(days)
    if outside:
        raise ValueError(f"statement returned days outside the chunk: {sorted(outside)}")
    data = rows.drop_columns([PARTITION_COLUMN])
    for day in days:
        day_rows = data.filter(pc.equal(rows.column(PARTITION_COLUMN), day))
        if day_rows.num_rows:
            write_day(lake.filesystem(), lake.day_path(zone, table, day), day_rows)


def write_day(filesystem: pafs.FileSystem, day_path: str, rows: pa.Table) -> None:
    """One Parquet file of a day's rows in its partition folder."""
    filesystem.create_dir(day_path)
    pq.write_table(rows, f"{day_path}/part-00000.parquet", filesystem=filesystem)
