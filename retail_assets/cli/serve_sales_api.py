"""`serve-sales-api`: the store file generator served as the paginated sales HTTP API, faults optional."""

import argparse
import os
import sys

from retail_assets.sources.sales_api_client import TOKEN_ENV
from retail_assets.sources.sales_api_server import SALES_PATH, ApiConfig, Faults, make_server


def _pages(text: str) -> frozenset[int]:
    """A comma-separated list of page numbers."""
    try:
        pages = frozenset(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected page numbers such as 2,5: {text!r}") from error
    if any(page < 1 for page in pages):
        raise argparse.ArgumentTypeError("pages start at 1")
    return pages


def add_parser(subparsers, timezone: str | None = None) -> argparse.ArgumentParser:
    """Register `serve-sales-api`."""
    parser = subparsers.add_parser(
        "serve-sales-api",
        help="serve generated sales as a paginated JSON HTTP API (GET /sales?business_date=&page=&page_size=)",
        description=f"Requires 'Authorization: Bearer <token>' when {TOKEN_ENV} is set.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port; default 8765)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--timezone", default=timezone or "UTC", help="business timezone of the generated sales")
    parser.add_argument("--rows-per-day", type=int, default=2000, help="rows a day holds (default 2000)")
    parser.add_argument(
        "--fail-429", type=_pages, default=frozenset(), metavar="PAGES", help="pages whose first request gets 429"
    )
    parser.add_argument(
        "--fail-500", type=_pages, default=frozenset(), metavar="PAGES", help="pages whose first request gets 500"
    )
    parser.add_argument("--slow-pages", type=_pages, default=frozenset(), metavar="PAGES", help="pages answered late")
    parser.add_argument("--slow-seconds", type=float, default=30.0, help="delay of a slow page (default 30)")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds of a 429 (default 1)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    faults = Faults(args.fail_429, args.fail_500, args.slow_pages, args.slow_seconds, args.retry_after)
    config = ApiConfig(args.seed, args.timezone, args.rows_per_day, faults, os.environ.get(TOKEN_ENV) or None)
    server = make_server(args.host, args.port, config)
    host, port = server.server_address[:2]
    print(f"serving the sales API on http://{host}:{port}{SALES_PATH}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
