"""`retail-assets demo`: a generated week run end to end as one ranged run, then one broken day being blocked."""

import argparse
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from rich.console import Console

from retail_assets.cli.broken_day import land_broken_day
from retail_assets.cli.quiet_output import log_file_path, quiet_output
from retail_assets.cli.run_range import RunOutcome, materialize_range, use_dagster_home
from retail_assets.cli.run_reports import materialize_reports
from retail_assets.cli.step_progress import progress_bar, step_label, step_lines
from retail_assets.cli.summary import check_rows, format_summary, format_table, summarize
from retail_assets.dashboards.location import dashboard_path
from retail_assets.defs.resources.environments import resources_for
from retail_assets.defs.resources.local.glue import one_runner_for_these_runs
from retail_assets.settings import Settings, get_settings
from retail_assets.store_files.generator import generate_landing


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the demo command."""
    parser = subparsers.add_parser("demo", help="generate a week of sales and run every asset over it")
    parser.add_argument("--days", type=int, default=7, help="days to generate, ending yesterday (default 7)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--rows-per-day", type=int, default=2000, help="rows per day (default 2000)")
    parser.add_argument(
        "--verbose", action="store_true", help="show Dagster's event log and Spark's console live, not in the log file"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate, land, materialize, show a blocked day, summarize; exit 1 when the week's run failed."""
    if not 1 <= args.days <= 366:
        raise SystemExit("--days must be between 1 and 366")
    settings = get_settings()
    use_dagster_home(settings)
    yesterday = datetime.now(ZoneInfo(settings.timezone)).date() - timedelta(days=1)
    start = yesterday - timedelta(days=args.days - 1)
    broken = start - timedelta(days=1)  # outside the week, so that the week stays all green
    log_path = log_file_path(settings.home, "demo")
    # Its runs are small and one after another: one warm Spark session serves them all.
    with quiet_output(log_path, args.verbose) as console, one_runner_for_these_runs():
        if not args.verbose:
            console.print(f"Dagster's event log and Spark's console: [bold]{log_path}[/]")
        week = run_week(console, settings, args, start, yesterday)
        reports_ok = week.success and run_reports(console, start, yesterday)
        blocked = run_broken_day(console, settings, args, broken)
        print_summary(console, settings, week, blocked, start, args.days, broken)
        if reports_ok:
            console.print(
                "Dashboard (open it in a browser, or: .venv/bin/retail-assets dashboard --open): "
                f"{dashboard_path(resources_for(settings)['lake'])}",
                markup=False,
            )
    return 0 if week.success and reports_ok else 1


def run_week(console: Console, settings: Settings, args, start: date, end: date) -> RunOutcome:
    """Generate the week's landing files and materialize it as one run, a line per step."""
    with progress_bar(console) as progress:
        task = progress.add_task(f"  generate {args.days} days of sales into {settings.landing_root}", total=1)
        generate_landing(settings.landing_root, start, args.days, args.seed, settings.timezone, args.rows_per_day)
        progress.update(task, description=f"[green]✓[/] generated {args.days} days ({start}...{end})", completed=1)
        return materialize(progress, start, end)


def run_reports(console: Console, start: date, end: date) -> bool:
    """The reports and the dashboard over the week, a line per job; whether they all succeeded."""
    from retail_assets.definitions import defs

    with progress_bar(console) as progress, dg.DagsterInstance.get() as instance:
        task = progress.add_task("  reports and dashboard for the same days", total=1)
        outcomes = materialize_reports(defs, start.isoformat(), end.isoformat(), instance)
        progress.update(task, description="[green]✓[/] reports and dashboard", completed=1)
    for job, outcome in outcomes.items():
        failed = f" (failed: {', '.join(outcome.failed_steps)})" if outcome.failed_steps else ""
        console.print(f"  {job}: run {outcome.run_id} {'succeeded' if outcome.success else 'FAILED'}{failed}")
    return all(outcome.success for outcome in outcomes.values())


def run_broken_day(console: Console, settings: Settings, args, day: date) -> RunOutcome:
    """Land one day with a register sending only zero-quantity lines, and run it: the checks block it."""
    console.print(f"\nNow a deliberately broken day, {day}: one register sends only zero-quantity lines.")
    with progress_bar(console) as progress:
        key = land_broken_day(settings.landing_root, day, args.seed, settings.timezone, args.rows_per_day)
        task = progress.add_task("  landing", total=1)
        progress.update(task, description=f"[green]✓[/] landed {key}", completed=1)
        return materialize(progress, day, day)


def materialize(progress, start: date, end: date) -> RunOutcome:
    """One run of sales_pipeline over start...end, followed step by step."""
    from retail_assets.definitions import defs  # after DAGSTER_HOME is set; loading starts nothing

    run_id = str(uuid.uuid4())
    with dg.DagsterInstance.get() as instance, step_lines(progress, instance, run_id, check_names()):
        return materialize_range(defs, start.isoformat(), end.isoformat(), instance, run_id=run_id)


def check_names() -> frozenset[str]:
    """The names of the pipeline's checks, to label their steps."""
    from retail_assets.defs.checks import ALL_CHECKS

    return frozenset(key.name for checks in ALL_CHECKS for key in checks.check_keys)


def print_summary(
    console: Console, settings: Settings, week: RunOutcome, blocked: RunOutcome, start: date, days: int, broken: date
) -> None:
    """What the lake and PostgreSQL hold, each check's result per day, what blocking stopped, and what to do next."""
    resources = resources_for(settings)
    week_days = [(start + timedelta(days=offset)).isoformat() for offset in range(days)]
    console.print(f"\nThe week: run {week.run_id} {'succeeded' if week.success else '[red]FAILED[/]'}\n")
    # Initialized as a run initializes them: environment variables resolved, the warehouse connected once.
    with dg.build_resources({key: resources[key] for key in ("lake", "warehouse")}) as built:
        console.print(format_summary(*summarize(built.lake, built.warehouse, week_days)), markup=False)
    console.print("\n" + format_table(["check", "asset", "days", "result"], check_rows(week.checks)), markup=False)
    failed = [check for check in blocked.checks if not check.passed]
    console.print(f"\nThe broken day {broken}: run {blocked.run_id} {'succeeded' if blocked.success else 'stopped'}")
    for check in failed:
        console.print(f"  {check.severity} {check.asset} {check.check}: {check.description}", markup=False)
    labels = [step_label(step, check_names()) for step in blocked.steps_not_run]
    assets = [label for label in labels if ":" not in label]
    console.print(
        f"  blocked, never started: {', '.join(assets) or 'none'} and their {len(labels) - len(assets)} checks "
        f"(PostgreSQL keeps no row of {broken})",
        markup=False,
    )
    console.print(
        "\nOpen the UI on this data:  make ui   (then http://127.0.0.1:3000: Assets, Lineage; a day's partition)\n"
        'Query the warehouse:      psql "$(.venv/bin/retail-assets warehouse-url)" '
        "-c 'select * from retail.daily_sales limit 5'",
        markup=False,
    )
