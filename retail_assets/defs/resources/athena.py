"""The Athena role: the project's SQL files, one INSERT ... SELECT per chunk of days, replacing those days."""

from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import sqlglot
from sqlglot import exp

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
    """Runs an INSERT file for a contiguous chunk of days, after clearing those days of the target."""

    @abstractmethod
    def replace_days(self, lake: Lake, sql_name: str, days: list[str]) -> DaysWritten:
        """Rewrite exactly the given days of the statement's target table."""
