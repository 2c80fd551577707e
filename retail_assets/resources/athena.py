"""Athena: the project's SQL files, one INSERT ... SELECT per chunk of days, replacing those days."""

import uuid
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.resources.catalog import catalog_connection
from retail_assets.resources.lake import Lake, validate_table

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


@dataclass(frozen=True)
class InsertStatement:
    """A parsed SQL file: INSERT INTO zone.table SELECT ... with ? parameters."""

    zone: str
    table: str
    select: exp.Expression
    text: str


def load_insert(name: str) -> InsertStatement:
    """Parse sql/<name>.sql (Athena dialect) into its target table and SELECT."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    statement = sqlglot.parse_one(text, read="athena")
    if not isinstance(statement, exp.Insert):
        raise ValueError(f"{name}.sql must be one INSERT INTO ... SELECT statement")
    target = statement.this
    zone, table = validate_table(target.db, target.name)
    return InsertStatement(zone, table, statement.expression, text)


@dataclass(frozen=True)
class InsertOutcome:
    """What one statement wrote."""

    rows_by_day: dict[str, int]
    engine_statement: str


class Athena(dg.ConfigurableResource):
    """Runs an INSERT file for a contiguous chunk of days, after clearing those days of the target."""

    @abstractmethod
    def replace_days(self, lake: Lake, sql_name: str, days: list[str]) -> InsertOutcome:
        """Rewrite exactly the given days of the statement's target table."""


class LocalAthena(Athena):
    """DuckDB over the catalog's views, running the Athena SQL transpiled by sqlglot."""

    catalog_path: str

    def replace_days(self, lake: Lake, sql_name: str, days: list[str]) -> InsertOutcome:
        statement = load_insert(sql_name)
        duckdb_sql = statement.select.sql(dialect="duckdb")
        with catalog_connection(Path(self.catalog_path)) as connection:
            result = connection.sql(duckdb_sql, params=[days[0], days[-1]]).to_arrow_table()
        rows_by_day = publish_days(lake, statement.zone, statement.table, days, result)
        return InsertOutcome(rows_by_day, duckdb_sql)


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
        for day in days:
            new_path = f"{staging}/new/{day}" if counts[day] else None
            swap_day(filesystem, lake.day_path(zone, table, day), new_path, f"{staging}/old/{day}")
    finally:
        filesystem.delete_dir(staging)
    return counts


def swap_day(filesystem: pafs.FileSystem, day_path: str, new_path: str | None, retired_path: str) -> None:
    """Replace a day's folder by new_path (or remove it): the old folder moves aside, the new one in."""
    if filesystem.get_file_info(day_path).type == pafs.FileType.Directory:
        filesystem.move(day_path, retired_path)
    if new_path:
        filesystem.move(new_path, day_path)
