"""`retail-assets dashboard`: where the sales dashboard is (and, with --open, open it in the browser)."""

import argparse
import sys
import webbrowser
from pathlib import Path

from retail_assets.dashboards.location import dashboard_path
from retail_assets.defs.resources.environments import resources_for
from retail_assets.settings import get_settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the dashboard command."""
    parser = subparsers.add_parser(
        "dashboard",
        help="print the path of the HTML sales dashboard (--open opens it)",
        description="Print where the dashboards/sales asset wrote its HTML page: a file locally, an S3 URI on AWS.",
    )
    parser.add_argument("--open", action="store_true", help="open the page in the default browser (local files)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the page's location; exit 1 when it has not been built yet."""
    settings = get_settings()
    lake = resources_for(settings)["lake"]
    path = dashboard_path(lake)
    if settings.env != "local":
        print(lake.uri(path))
        if args.open:
            print("retail-assets dashboard: --open opens local files only; download the page first", file=sys.stderr)
            return 1
        return 0
    page = Path(path)
    if not page.is_file():
        print(
            f"retail-assets dashboard: no dashboard at {page} yet; run `make demo` or materialize dashboards/sales",
            file=sys.stderr,
        )
        return 1
    print(page)
    if args.open:
        webbrowser.open(page.as_uri())
    return 0
