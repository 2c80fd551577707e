"""The Athena role: the project's SQL files, one INSERT ... SELECT per chunk of days, and how it replaces days."""

from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import sqlglot
from sqlglot import exp

from retail_assets.defs.resources.crawler import Crawler
from retail_assets.defs.resources.lake import Lake, validate_table

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


@dataclass(frozen=True)
class InsertStatement:
    """A parsed SQL file: INSERT INTO zone.table SELECT ... with ? parameters."""

    zone: str
    table: str
    select: exp.Expression

    @property
    def sources(self) -> list[tuple[str, str]]:
        """The (zone, table) pairs the SELECT reads."""
        return [validate_table(table.db, table.name) for table in self.select.find_all(exp.Table)]


def load_insert(name: str) -> InsertStatement:
    """Parse sql/<name>.sql (Athena dialect) into its target table and SELECT."""
    statement = sqlglot.parse_one((SQL_DIR / f"{name}.sql").read_text(), read="athena")
    if not isinstance(statement, exp.Insert):
        raise ValueError(f"{name}.sql must be one INSERT INTO ... SELECT statement")
    target = statement.this
    zone, table = validate_table(target.db, target.name)
    return InsertStatement(zone, table, statement.expression)


@dataclass(frozen=True)
class DaysWritten:
    """What one statement wrote: rows per day, and what the engine reports of the query."""

    rows_by_day: dict[str, int]
    metadata: dict[str, float | int | str]


class Athena(dg.ConfigurableResource):
    """Runs an INSERT file for a contiguous chunk of days, in place of those days of its target.

    One protocol for every engine: the lake stashes the days' files, the catalog drops their partitions, the
    engine runs its statement into the emptied days; if anything fails, even a stopped Dagster run, what the
    statement wrote is deleted and the previous files and partitions come back. Days outside the chunk are never
    touched: only the chunk's days are stashed, and an engine refuses rows of other days.
    """

    lake: Lake
    crawler: Crawler

    def replace_days(self, sql_name: str, days: list[str]) -> DaysWritten:
        """Rewrite exactly the given days of the statement's target table."""
        statement = load_insert(sql_name)
        zone, table = statement.zone, statement.table
        stashed = self.lake.stash_for(zone, table, days)
        partitions = self.crawler.partitions(zone, table, days)
        try:
            self.lake.stash(stashed)
            self.crawler.drop_partitions(zone, table, days)
            metadata = self.run_insert(statement, days)
        except BaseException:  # a Dagster run being stopped too
            # Not in a finally: if putting back fails, the previous files stay in the stash, never deleted.
            self.lake.restore(stashed)
            self.crawler.restore_partitions(zone, table, partitions)
            raise
        self.lake.drop(stashed)
        self.lake.remove_stale_stashes(zone, table, days)  # what killed runs of these days left
        return DaysWritten(self.lake.rows_per_day(zone, table, days), metadata)

    @abstractmethod
    def run_insert(self, statement: InsertStatement, days: list[str]) -> dict[str, float | int | str]:
        """Run the statement for days[0]...days[-1] into the emptied days; return what the engine reports."""
