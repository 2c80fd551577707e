"""Aurora PostgreSQL: the connection comes from a Secrets Manager secret, read once per run, never logged."""

import json

from psycopg.conninfo import make_conninfo

from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.warehouse import Warehouse


def conninfo_from_secret(secret: dict) -> str:
    """A libpq connection string from an RDS-style secret (host, port, dbname or database, username, password)."""
    missing = [key for key in ("host", "username", "password") if not secret.get(key)]
    if missing:
        raise ValueError(f"the Aurora secret lacks {', '.join(missing)}")
    return make_conninfo(
        host=secret["host"],
        port=str(secret.get("port", 5432)),
        dbname=secret.get("dbname") or secret.get("database") or "postgres",
        user=secret["username"],
        password=secret["password"],
        sslmode=secret.get("sslmode", "require"),
    )


class AuroraWarehouse(Warehouse):
    """retail.daily_sales in Aurora PostgreSQL; the secret is named by ARN or name."""

    clients: AwsClients
    secret_id: str

    def conninfo(self) -> str:
        secret = self.clients.client("secretsmanager").get_secret_value(SecretId=self.secret_id)["SecretString"]
        return conninfo_from_secret(json.loads(secret))
