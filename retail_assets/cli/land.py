"""`land`: split sales files by business day into the landing area."""

import argparse
import sys
from pathlib import Path

from retail_assets.cli.generate import add_location_options
from retail_assets.store_files.splitter import LandingError, land_files


def add_parser(subparsers, landing_root: Path | None = None, timezone: str | None = None) -> argparse.ArgumentParser:
    """Register `land`; landing_root and timezone are the caller's defaults (required options when None)."""
    parser = subparsers.add_parser(
        "land",
        help="split sales files (csv, csv.gz, jsonl, parquet) into one landing object per business day",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to land")
    add_location_options(parser, landing_root, timezone)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Land the files and print rows per day; 2 (nothing landed) when a file cannot be read."""
    try:
        report = land_files(args.files, args.landing_root, args.timezone)
    except LandingError as error:
        print(f"land: {error}\nland: nothing was landed", file=sys.stderr)
        return 2
    for day, rows in report.rows_per_day().items():
        print(f"{day}  {rows:>9,} rows")
    print(
        f"landed {report.rows:,} rows from {len(args.files)} files as {len(report.keys)} objects "
        f"under {args.landing_root / 'sales'}"
    )
    return 0
