"""Aurora PostgreSQL: the connection comes from a Secrets Manager secret, read once per run, never logged."""

import json

from psycopg.conninfo import make_conninfo

from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.pinned import PinnedFields
from retail_assets.defs.resources.warehouse import Warehouse

# The server's certificate must chain to the CA bundle and name the host: `require` alone would send the password
# to any server that presents any certificate.
DEFAULT_SSLMODE = "verify-full"
# libpq 16+ refuses any other authentication, so a server asking for a clear-text or MD5 password gets nothing.
REQUIRED_AUTH = "scram-sha-256"


def conninfo_from_secret(secret: dict, ca_bundle: str | None = None) -> str:
    """A libpq connection string from an RDS-style secret (host, port, dbname or database, username, password)."""
    missing = [key for key in ("host", "username", "password") if not secret.get(key)]
    if missing:
        raise ValueError(f"the Aurora secret lacks {', '.join(missing)}")
    tls = {"sslrootcert": ca_bundle} if ca_bundle else {}
    return make_conninfo(
        host=secret["host"],
        port=str(secret.get("port", 5432)),
        dbname=secret.get("dbname") or secret.get("database") or "postgres",
        user=secret["username"],
        password=secret["password"],
        # The secret may name another mode (a test server without TLS says `disable`); the default verifies.
        sslmode=secret.get("sslmode", DEFAULT_SSLMODE),
        require_auth=REQUIRED_AUTH,
        **tls,
    )


class AuroraWarehouse(PinnedFields, Warehouse):
    """retail.daily_sales in Aurora PostgreSQL; the secret is named by ARN or name."""

    pinned = ("secret_id", "ca_bundle")

    clients: AwsClients
    secret_id: str
    # RETAIL_AURORA_CA_BUNDLE: the CA bundle Aurora's certificate must chain to; None: libpq's default file.
    ca_bundle: str | None = None

    def conninfo(self) -> str:
        secret = self.clients.client("secretsmanager").get_secret_value(SecretId=self.secret_id)["SecretString"]
        return conninfo_from_secret(json.loads(secret), self.ca_bundle)
