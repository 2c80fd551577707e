"""The local warehouse: RETAIL_DATABASE_URL, or the project's own PostgreSQL server under RETAIL_HOME."""

from pathlib import Path

from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.settings import get_settings
from retail_assets.warehouse.embedded_server import EmbeddedPostgres


class LocalWarehouse(Warehouse):
    """RETAIL_DATABASE_URL when given, else the project's own PostgreSQL server under RETAIL_HOME."""

    retail_home: str

    def conninfo(self) -> str:
        # Read at run time, not stored as resource config: config is shown in the UI, the URL holds a secret.
        database_url = get_settings().database_url
        return database_url or EmbeddedPostgres(Path(self.retail_home)).url()
