"""The warehouse role: retail.daily_sales in PostgreSQL (Aurora on AWS), loaded a set of days at a time."""

from abc import abstractmethod
from datetime import date

import dagster as dg
import pyarrow as pa

from retail_assets.warehouse.loader import (
    LoadResult,
    daily_totals,
    duplicate_keys,
    replace_days,
    table_rows,
)
from retail_assets.warehouse.migrate import migrate


class Warehouse(dg.ConfigurableResource):
    """retail.daily_sales, loaded a set of days at a time."""

    @abstractmethod
    def conninfo(self) -> str:
        """A libpq connection string; contains a secret, never log it."""

    def load_days(self, rows: pa.Table, days: list[str]) -> LoadResult:
        """Replace the given days of retail.daily_sales by rows, in one transaction."""
        conninfo = self.conninfo()
        migrate(conninfo)
        return replace_days(conninfo, rows, [date.fromisoformat(day) for day in days])

    def totals(self, days: list[str]) -> dict[date, dict]:
        """Row count and sums per day as the warehouse holds them."""
        conninfo = self.conninfo()
        migrate(conninfo)
        return daily_totals(conninfo, [date.fromisoformat(day) for day in days])

    def rows(self, days: list[str]) -> list[dict]:
        """The stored rows of the days."""
        conninfo = self.conninfo()
        migrate(conninfo)
        return table_rows(conninfo, [date.fromisoformat(day) for day in days])

    def duplicate_keys(self, days: list[str]) -> list[dict]:
        """Primary keys held more than once among the days."""
        conninfo = self.conninfo()
        migrate(conninfo)
        return duplicate_keys(conninfo, [date.fromisoformat(day) for day in days])
