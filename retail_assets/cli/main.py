"""`retail-assets`: generate and land sales files, preview source recipes, serve the sales API, run the demo, open the
dashboard, reach the warehouse, provision AWS, ask the model."""

import argparse
import os
import sys

from retail_assets.cli import (
    dashboard,
    demo,
    generate,
    generate_shoppers,
    land,
    predict,
    propensity,
    provision,
    serve_model,
    serve_sales_api,
    sources,
    warehouse_url,
)
from retail_assets.settings import SettingsError, get_settings


def build_parser() -> argparse.ArgumentParser:
    """The command line, with defaults taken from the RETAIL_* settings."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="retail-assets", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    generate.add_parser(subparsers, landing_root=settings.landing_root, timezone=settings.timezone)
    land.add_parser(
        subparsers,
        landing_root=settings.landing_root,
        timezone=settings.timezone,
        partitions_start=settings.partitions_start,
    )
    generate_shoppers.add_parser(subparsers, landing_root=settings.landing_root, timezone=settings.timezone)
    demo.add_parser(subparsers)
    dashboard.add_parser(subparsers)
    warehouse_url.add_parser(subparsers)
    provision.add_parser(subparsers)
    sources.add_parser(subparsers)
    serve_sales_api.add_parser(subparsers, timezone=settings.timezone)
    propensity.add_parser(subparsers)
    predict.add_parser(subparsers)
    serve_model.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    # What the commands create (landing files, the lake, the warehouse's secrets) is this user's alone.
    os.umask(0o077)
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except SettingsError as error:
        print(f"retail-assets: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
