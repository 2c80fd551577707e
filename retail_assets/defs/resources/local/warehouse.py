"""The local warehouse: RETAIL_DATABASE_URL, or the project's own PostgreSQL server under RETAIL_HOME."""

from pathlib import Path

from retail_assets.defs.resources.pinned import PinnedFields
from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.warehouse.embedded_server import EmbeddedPostgres


class LocalWarehouse(PinnedFields, Warehouse):
    """database_url when given, else the project's own PostgreSQL server under RETAIL_HOME."""

    pinned = ("retail_home", "database_url")

    retail_home: str
    # Given as dg.EnvVar("RETAIL_DATABASE_URL"): config is shown in the UI, and the URL holds a password.
    database_url: str | None = None

    def conninfo(self) -> str:
        return self.database_url or EmbeddedPostgres(Path(self.retail_home)).url()
