"""`land`: split sales files by business day into the landing area."""

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from glue_scripts.recipes.loader import RecipeError, installed_recipes
from glue_scripts.sales_contract import business_zone, parse_day
from retail_assets.cli.generate import add_location_options
from retail_assets.cli.sources import resolve_recipe
from retail_assets.store_files.recipe_splitter import land_with_recipe
from retail_assets.store_files.splitter import LandingError, LandReport, land_files


def add_parser(
    subparsers, landing_root: Path | None = None, timezone: str | None = None, partitions_start: str | None = None
) -> argparse.ArgumentParser:
    """Register `land`; landing_root, timezone and the first partition are the caller's defaults."""
    parser = subparsers.add_parser(
        "land",
        help="split sales files (csv, csv.gz, jsonl, parquet) into one landing object per business day",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to land")
    parser.add_argument(
        "--source",
        metavar="RECIPE",
        help="files in a source's own format: split by the business date this installed recipe maps",
    )
    add_location_options(parser, landing_root, timezone)
    parser.set_defaults(func=run, partitions_start=partitions_start)
    return parser


def run(args: argparse.Namespace) -> int:
    """Land the files and print rows per day; 2 (nothing landed) when a file cannot be read."""
    try:
        if args.source is None:
            report = land_files(args.files, args.landing_root, args.timezone)
        else:
            report = land_with_recipe(args.files, installed_recipe(args.source), args.landing_root, args.timezone)
    except (LandingError, RecipeError) as error:
        print(f"land: {error}\nland: nothing was landed", file=sys.stderr)
        return 2
    for day, rows in report.rows_per_day().items():
        print(f"{day}  {rows:>9,} rows")
    if args.partitions_start:
        last = datetime.now(business_zone(args.timezone)).date()
        for warning in outside_partitions(report, parse_day(args.partitions_start), last):
            print(f"land: warning: {warning}", file=sys.stderr)
    print(
        f"landed {report.rows:,} rows from {len(args.files)} files as {len(report.keys)} objects "
        f"under {args.landing_root / 'sales'}"
    )
    return 0


def outside_partitions(report: LandReport, first: date, last: date) -> list[str]:
    """One line per object landed for a day no run reads: before the first partition or after today."""
    return [
        f"{landed.key}: {landed.business_date} is outside the partitions ({first} to {last}), "
        f"so no run reads its {landed.rows:,} rows"
        for landed in report.objects
        if not first <= landed.business_date <= last
    ]


def installed_recipe(name_or_path: str):
    """The recipe, which must be installed: the ingest job reads landed objects with the installed recipes only."""
    recipe = resolve_recipe(name_or_path)
    installed = installed_recipes().get(recipe.name)
    if installed is None or installed.sha256 != recipe.sha256:
        raise RecipeError(recipe.source, "name", "not installed in glue_scripts/recipes/library/ as it is here")
    return recipe
