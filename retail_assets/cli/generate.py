"""`generate`: write synthetic daily sales files into the landing area."""

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from glue_scripts.sales_contract import business_zone, parse_day
from retail_assets.settings import SettingsError, validate_int
from retail_assets.store_files.generator import MIN_ROWS_PER_DAY, generate_landing

MAX_DAYS = 3660  # ten years: more is a typo, not a test set


def add_parser(subparsers, landing_root: Path | None = None, timezone: str | None = None) -> argparse.ArgumentParser:
    """Register `generate`; landing_root and timezone are the caller's defaults (required options when None)."""
    parser = subparsers.add_parser("generate", help="write synthetic daily sales files into the landing area")
    parser.add_argument("--days", type=_positive("--days", MAX_DAYS), default=7, help="number of days (default 7)")
    parser.add_argument("--start", type=iso_day, help="first day, YYYY-MM-DD (default: --days days ending yesterday)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; same seed, same bytes (default 42)")
    parser.add_argument(
        "--rows-per-day",
        type=_positive("--rows-per-day", None, MIN_ROWS_PER_DAY),
        default=2000,
        help="rows written per day, dirt included (default 2000)",
    )
    add_location_options(parser, landing_root, timezone)
    parser.set_defaults(func=run)
    return parser


def add_location_options(parser: argparse.ArgumentParser, landing_root: Path | None, timezone: str | None) -> None:
    """--landing-root and --timezone, defaulting to the caller's values."""
    for option, kind, default, help_text in (
        ("--landing-root", Path, landing_root, "folder holding sales/<YYYY-MM-DD>/"),
        ("--timezone", timezone_name, timezone, "business timezone, an IANA name"),
    ):
        shown = f" (default {default})" if default else ""
        parser.add_argument(option, type=kind, default=default, required=default is None, help=help_text + shown)


def run(args: argparse.Namespace) -> int:
    """Generate the files and print what was written; 0 on success."""
    start = args.start or datetime.now(business_zone(args.timezone)).date() - timedelta(days=args.days)
    report = generate_landing(
        args.landing_root, start, args.days, args.seed, args.timezone, args.rows_per_day, progress=sys.stderr.isatty()
    )
    last = report.days[-1].business_date
    print(
        f"generated {report.rows_written:,} rows in {len(report.keys)} files for {len(report.days)} days "
        f"({start} .. {last}) under {args.landing_root / 'sales'}; expected {report.cleaned_rows:,} cleaned, "
        f"{report.rows_written - report.cleaned_rows:,} quarantined"
    )
    return 0


def iso_day(value: str) -> date:
    """argparse type: a calendar day written YYYY-MM-DD."""
    try:
        return parse_day(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a calendar day written YYYY-MM-DD") from error


def timezone_name(value: str) -> str:
    """argparse type: an IANA timezone name."""
    try:
        business_zone(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def _positive(option: str, maximum: int | None, minimum: int = 1):
    """argparse type: an integer in [minimum, maximum], by the settings' integer rule."""

    def parse(value: str) -> int:
        try:
            return validate_int(option, value, minimum, maximum)
        except SettingsError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse
