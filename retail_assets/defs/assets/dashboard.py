"""dashboards/sales: the analysts' HTML dashboard, read from PostgreSQL, with its key charts shown in Dagster."""

import time

import dagster as dg

from retail_assets.dashboards.figures import read_figures
from retail_assets.dashboards.location import write_dashboard
from retail_assets.dashboards.page import chart_pngs, dashboard_html, pngs_markdown
from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.assets.reports import report_key
from retail_assets.defs.automation.report_automation import AFTER_NEW_DAYS, REPORTS_GROUP
from retail_assets.defs.report_tables import QUICKSIGHT_REPORTS, REPORTS_BY_TABLE
from retail_assets.defs.resources.bi import BiService
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.warehouse import Warehouse

SALES_DASHBOARD = dg.AssetKey(["dashboards", "sales"])


@dg.asset(
    key=SALES_DASHBOARD,
    deps=[AURORA_DAILY_SALES, *(report_key(REPORTS_BY_TABLE[table]) for table in QUICKSIGHT_REPORTS)],
    group_name=REPORTS_GROUP,
    kinds={"html", "vega", "postgres", "quicksight"},
    automation_condition=AFTER_NEW_DAYS,
    # Not partitioned, but part of a ranged run (the CLI's --select '*' --partition-range): rendered once per run.
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="One self-contained HTML page of the loaded days (retail.daily_sales); QuickSight's SPICE on AWS.",
)
def sales_dashboard(context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse, bi: BiService):
    """Read the figures from PostgreSQL, write the page, render the key charts as PNG, refresh the BI service."""
    started = time.perf_counter()
    figures = read_figures(warehouse.connection())  # migrated: a warehouse no load has reached has the table too
    page = dashboard_html(figures).encode()
    uri = write_dashboard(lake, page)
    charts = pngs_markdown(chart_pngs(figures))
    seconds = time.perf_counter() - started
    refreshed = bi.refresh(context.log)
    context.log.info(f"dashboard: {len(page)} bytes, {len(figures.daily)} days, {seconds:.1f} s, at {uri}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.url(uri)
            if uri.startswith("s3://")
            else dg.MetadataValue.path(uri.removeprefix("file://")),
            "bytes": len(page),
            "days": len(figures.daily),
            "first_day": figures.first_day.isoformat() if figures.first_day else "",
            "last_day": figures.last_day.isoformat() if figures.last_day else "",
            "net_revenue": str(figures.total_net_revenue),
            "build_seconds": round(seconds, 2),
            "charts": dg.MetadataValue.md(charts),
            **refreshed,
        }
    )
