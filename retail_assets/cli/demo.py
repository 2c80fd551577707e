"""`retail-assets demo`: a generated week, landed, run end to end as one ranged run, then summarized."""

import argparse
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from retail_assets.cli.run_range import materialize_range, use_dagster_home
from retail_assets.cli.run_reports import materialize_reports
from retail_assets.cli.summary import format_summary, format_table, summarize
from retail_assets.dashboards.location import dashboard_path
from retail_assets.defs.resources.environments import resources_for
from retail_assets.settings import get_settings
from retail_assets.store_files.generator import generate_landing


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the demo command."""
    parser = subparsers.add_parser("demo", help="generate a week of sales and run every asset over it")
    parser.add_argument("--days", type=int, default=7, help="days to generate, ending yesterday (default 7)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--rows-per-day", type=int, default=2000, help="rows per day (default 2000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate, land, materialize and summarize; exit 1 when the run failed."""
    if not 1 <= args.days <= 366:
        raise SystemExit("--days must be between 1 and 366")
    settings = get_settings()
    use_dagster_home(settings)
    yesterday = datetime.now(ZoneInfo(settings.timezone)).date() - timedelta(days=1)
    start = yesterday - timedelta(days=args.days - 1)
    print(f"Generating {args.days} days of sales ({start}...{yesterday}) into {settings.landing_root}")
    generate_landing(
        settings.landing_root, start, args.days, args.seed, settings.timezone, args.rows_per_day, progress=True
    )
    from retail_assets.definitions import (
        defs,  # after DAGSTER_HOME is set; loading starts nothing
    )

    print(f"Materializing every asset for {start}...{yesterday} as one run (checks included)...")
    with dg.DagsterInstance.get() as instance:
        outcome = materialize_range(defs, start.isoformat(), yesterday.isoformat(), instance)
    resources = resources_for(settings)
    days = [(start + timedelta(days=offset)).isoformat() for offset in range(args.days)]
    print(f"\nRun {outcome.run_id}: {'succeeded' if outcome.success else 'FAILED'}\n")
    # Initialized as a run initializes them: environment variables resolved, the warehouse connected once.
    with dg.build_resources({key: resources[key] for key in ("lake", "warehouse")}) as built:
        print(format_summary(*summarize(built.lake, built.warehouse, days)))
    print(
        "\n"
        + format_table(
            ["asset", "check", "result", "severity", "detail"],
            [
                [c.asset, c.check, "passed" if c.passed else "FAILED", c.severity, _short(c.description)]
                for c in outcome.checks
            ],
        )
    )
    if outcome.failed_steps:
        print(f"\nFailed: {', '.join(outcome.failed_steps)}. Not run: {', '.join(outcome.steps_not_run) or 'none'}")
    reports_ok = _run_reports(defs, start.isoformat(), yesterday.isoformat(), outcome.success)
    print(
        "\nOpen the UI on this run's data:  make ui   (then http://127.0.0.1:3000)\n"
        'Query the warehouse:             psql "$(.venv/bin/retail-assets warehouse-url)" '
        "-c 'select * from retail.daily_sales limit 5'"
    )
    if reports_ok:
        print(
            f"Dashboard (open it in a browser, or: .venv/bin/retail-assets dashboard --open):\n{dashboard_path(resources['lake'])}"
        )
    return 0 if outcome.success and reports_ok else 1


def _run_reports(defs, start: str, end: str, pipeline_succeeded: bool) -> bool:
    """The reports and the dashboard over the demo's days, when the pipeline's run succeeded; whether they did."""
    if not pipeline_succeeded:
        return False
    print("\nReports and dashboard for the same days...")
    with dg.DagsterInstance.get() as instance:
        outcomes = materialize_reports(defs, start, end, instance)
    for job, outcome in outcomes.items():
        failed = f" (failed: {', '.join(outcome.failed_steps)})" if outcome.failed_steps else ""
        print(f"  {job}: run {outcome.run_id} {'succeeded' if outcome.success else 'FAILED'}{failed}")
    return all(outcome.success for outcome in outcomes.values())


def _short(text: str | None, width: int = 90) -> str:
    """A check's description cut to one table cell (the UI shows it whole)."""
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"
