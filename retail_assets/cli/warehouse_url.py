"""`retail-assets warehouse-url`: the PostgreSQL URL, for psql and BI tools."""

import argparse

from retail_assets.defs.resources.environments import resources_for
from retail_assets.settings import get_settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the warehouse-url command."""
    subparsers.add_parser(
        "warehouse-url",
        help="print the PostgreSQL connection URL (starts the embedded server if needed)",
        description='Print the warehouse URL, so that psql "$(retail-assets warehouse-url)" works.',
    ).set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the URL on stdout and nothing else (it holds the password: it is for the caller only)."""
    # Initialized as a run initializes it: RETAIL_DATABASE_URL resolved, the server started and migrated if needed.
    with resources_for(get_settings())["warehouse"].process_config_and_initialize_cm() as warehouse:
        print(warehouse.connection())
    return 0
