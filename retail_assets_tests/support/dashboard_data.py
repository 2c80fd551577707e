"""A warehouse loaded with generated days through the real final SQL and loader, and the dashboard built over it."""

import json
import re
from pathlib import Path

import dagster as dg

from retail_assets.defs.assets.aurora import rows_to_load
from retail_assets.defs.assets.dashboard import sales_dashboard
from retail_assets.defs.resources.local.bi import HtmlOnlyBi
from retail_assets_tests.support.report_lake import (
    ReportLake,
    days_from,
    generated_rows,
    report_lake,
    write_cleaned_and_final,
)
from retail_assets_tests.support.url_warehouse import UrlWarehouse

SPEC = re.compile(r'<script type="application/json" id="dashboard-spec">(.*?)</script>', re.DOTALL)


def loaded_warehouse(home: Path, database_url: str, first_day: str, days: int, seed: int = 11) -> ReportLake:
    """Generated cleaned days, final built from them, loaded into retail.daily_sales at database_url."""
    backends = report_lake(home)
    day_list = days_from(first_day, days)
    write_cleaned_and_final(backends, generated_rows(day_list, seed))
    UrlWarehouse(url=database_url).load_days(
        rows_to_load(backends.lake.read_days("final", "daily_sales", day_list)), day_list
    )
    return backends


def build_dashboard(backends: ReportLake, database_url: str) -> dg.AssetMaterialization:
    """Materialize dashboards/sales over the warehouse; its materialization."""
    result = dg.materialize(
        [sales_dashboard],
        resources={"lake": backends.lake, "warehouse": UrlWarehouse(url=database_url), "bi": HtmlOnlyBi()},
    )
    assert result.success
    return result.asset_materializations_for_node(sales_dashboard.op.name)[0]


def page_spec(page: str) -> dict:
    """The Vega-Lite spec the page embeds."""
    return json.loads(SPEC.search(page).group(1))
