"""The warehouse role: retail.daily_sales in PostgreSQL (Aurora on AWS), loaded a set of days at a time."""

from abc import abstractmethod
from datetime import date

import dagster as dg
import pyarrow as pa
from pydantic import PrivateAttr

from retail_assets.warehouse.loader import (
    LoadResult,
    daily_totals,
    duplicate_keys,
    replace_days,
    table_rows,
)
from retail_assets.warehouse.migrate import migrate


class Warehouse(dg.ConfigurableResource):
    """retail.daily_sales, loaded a set of days at a time; connected and migrated once per run."""

    _connection: str | None = PrivateAttr(default=None)

    @abstractmethod
    def conninfo(self) -> str:
        """Resolve a libpq connection string (may read a secret or start a server); never log it."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Once per run (per step process): the secret read and the migrations are not repeated on every call.
        self.connection()

    def connection(self) -> str:
        """The connection string, resolved and the schema migrated on first use."""
        if self._connection is None:
            conninfo = self.conninfo()
            migrate(conninfo)
            self._connection = conninfo
        return self._connection

    def load_days(self, rows: pa.Table, days: list[str]) -> LoadResult:
        """Replace the given days of retail.daily_sales by rows, in one transaction."""
        return replace_days(self.connection(), rows, _dates(days))

    def totals(self, days: list[str]) -> dict[date, dict]:
        """Row count and sums per day as the warehouse holds them."""
        return daily_totals(self.connection(), _dates(days))

    def rows(self, days: list[str]) -> list[dict]:
        """The stored rows of the days."""
        return table_rows(self.connection(), _dates(days))

    def duplicate_keys(self, days: list[str]) -> list[dict]:
        """Primary keys held more than once among the days."""
        return duplicate_keys(self.connection(), _dates(days))


def _dates(days: list[str]) -> list[date]:
    """ISO days as dates."""
    return [date.fromisoformat(day) for day in days]
