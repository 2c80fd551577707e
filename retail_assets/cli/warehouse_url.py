"""`retail-assets warehouse-url`: a PostgreSQL URL without its password, for psql and BI tools."""

import argparse
import sys

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from retail_assets.defs.resources.environments import resources_for
from retail_assets.settings import Settings, get_settings
from retail_assets.warehouse.embedded_server import EmbeddedPostgres
from retail_assets.warehouse.private_paths import private_dir, replace_file
from retail_assets.warehouse.roles import ROLES_BY_NAME

PASSFILE_NAME = "warehouse-pgpass"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the warehouse-url command."""
    parser = subparsers.add_parser(
        "warehouse-url",
        help="print a PostgreSQL connection URL without its password (starts the embedded server if needed)",
        description='Print a warehouse URL, so that psql "$(retail-assets warehouse-url)" works. The password '
        "stays in a 0600 password file the URL names (passfile=...), never on a command line.",
    )
    parser.add_argument(
        "--role",
        choices=sorted(ROLES_BY_NAME),
        default="analyst",
        help="the embedded server's role: analyst (read-only, the default) or loader (owns the tables)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the URL on stdout and nothing else."""
    settings = get_settings()
    # Initialized as a run initializes it: RETAIL_DATABASE_URL resolved, the server started and migrated if needed.
    with resources_for(settings)["warehouse"].process_config_and_initialize_cm() as warehouse:
        if settings.env == "local" and not settings.database_url:
            print(EmbeddedPostgres(settings.home).url(ROLES_BY_NAME[args.role]))
            return 0
        # RETAIL_DATABASE_URL or Aurora's secret: one role, the configured one.
        print(
            f"retail-assets: the configured database's own role (--role {args.role} is the embedded server's)",
            file=sys.stderr,
        )
        print(without_password(warehouse.connection(), settings))
    return 0


def without_password(conninfo: str, settings: Settings) -> str:
    """conninfo with its password moved into a 0600 password file under RETAIL_HOME, which it then names."""
    parts = conninfo_to_dict(conninfo)
    password = parts.pop("password", None)
    if password is None:
        return conninfo
    passfile = private_dir(settings.home) / PASSFILE_NAME
    fields = [
        parts.get("host", "*"),
        parts.get("port", "*"),
        parts.get("dbname", "*"),
        parts.get("user", "*"),
        password,
    ]
    # libpq's password-file format: fields separated by ':', with ':' and '\' escaped by a backslash.
    replace_file(passfile, ":".join(field.replace("\\", "\\\\").replace(":", "\\:") for field in fields) + "\n")
    return make_conninfo("", **parts, passfile=str(passfile))
