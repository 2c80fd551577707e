"""`generate-shoppers`: landing files of made-up shoppers with a signal the propensity model can learn."""

import argparse
from datetime import datetime, timedelta
from pathlib import Path

from glue_scripts.sales_contract import business_zone
from retail_assets.cli.generate import MAX_DAYS, _positive, add_location_options, iso_day
from retail_assets.store_files.shoppers import shopper_lines, write_shopper_landing


def add_parser(subparsers, landing_root: Path | None = None, timezone: str | None = None) -> None:
    """Register `generate-shoppers`; landing_root and timezone are the caller's defaults."""
    parser = subparsers.add_parser(
        "generate-shoppers",
        help="write landing files of shoppers with a planted signal (for the purchase propensity model)",
        description="One CSV per day, sales/<day>/shoppers.csv: bursty shoppers and evening regulars who come back "
        "every 25 to 29 days. Run the sales pipeline over the days, then `retail-assets propensity`.",
    )
    parser.add_argument("--days", type=_positive("--days", MAX_DAYS), default=240, help="number of days (default 240)")
    parser.add_argument("--start", type=iso_day, help="first day, YYYY-MM-DD (default: --days days ending yesterday)")
    parser.add_argument("--customers", type=_positive("--customers", 100_000), default=400, help="default 400")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same seed, same files (default 7)")
    add_location_options(parser, landing_root, timezone)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the files and print the range to run the sales pipeline over."""
    start = args.start or datetime.now(business_zone(args.timezone)).date() - timedelta(days=args.days)
    lines = shopper_lines(args.timezone, args.customers, start, args.days, args.seed)
    days = write_shopper_landing(args.landing_root, lines)
    print(f"generated {len(lines):,} lines for {len(days)} days ({days[0]} .. {days[-1]}) under {args.landing_root}")
    return 0
