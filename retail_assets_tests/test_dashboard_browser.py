"""The dashboard in Debian's headless Chromium, network blocked: the charts render, the range control filters them."""

import os
import shutil
from pathlib import Path

import pytest

from retail_assets.dashboards.location import dashboard_path
from retail_assets_tests.support.browser import browser_page
from retail_assets_tests.support.dashboard_data import build_dashboard, loaded_warehouse
from retail_assets_tests.support.url_warehouse import scratch_database

FIRST_DAY, DAYS = "2024-03-01", 14
# Where a copy of the screenshot goes for people to look at, when set.
SCREENSHOT_COPY_DIR = os.environ.get("RETAIL_SCREENSHOT_DIR")


@pytest.fixture()
def page_file(tmp_path, postgres_url):
    """The dashboard of 14 generated days, as a file."""
    with scratch_database(postgres_url) as url:
        backends = loaded_warehouse(tmp_path, url, FIRST_DAY, DAYS)
        build_dashboard(backends, url)
        yield Path(dashboard_path(backends.lake))


def total_sales_points(page) -> int:
    """Points drawn in the Total sales chart (net and 7-day average, one per day each)."""
    return page.evaluate(
        """() => {
            const title = [...document.querySelectorAll('svg text')].find(t => t.textContent === 'Total sales');
            const chart = title.closest('g.role-scope');
            return chart.querySelectorAll('g.mark-symbol.role-mark path').length;
        }"""
    )


def test_the_page_renders_offline_and_the_range_filters_it(page_file, tmp_path):
    with browser_page() as opened:
        page = opened.page
        page.goto(page_file.as_uri())
        page.wait_for_selector("body[data-rendered='true']", timeout=30_000)
        assert page.locator("#dashboard svg").count() >= 1
        assert page.locator("#dashboard svg path").count() > 50
        for title in ("Total sales", "Sales per brand", "Sales per category", "Sales per store", "Top products"):
            assert page.get_by_text(title, exact=True).first.is_visible(), title
        assert total_sales_points(page) == 2 * DAYS
        screenshot = tmp_path / "dashboard.png"
        page.screenshot(path=str(screenshot), full_page=True)

        # The last week only: half the points.
        page.fill("input[name='range_start']", "2024-03-08")
        page.dispatch_event("input[name='range_start']", "input")
        page.wait_for_function(
            "() => document.querySelectorAll('#dashboard g.mark-symbol.role-mark path').length < 3 * 14", timeout=10_000
        )
        assert total_sales_points(page) == 2 * 7
        page.screenshot(path=str(tmp_path / "dashboard-last-week.png"), full_page=True)

        assert opened.console_errors == []
        assert opened.blocked_requests == []
    assert screenshot.stat().st_size > 10_000
    if SCREENSHOT_COPY_DIR:
        shutil.copy(screenshot, Path(SCREENSHOT_COPY_DIR) / "dashboard.png")
        shutil.copy(tmp_path / "dashboard-last-week.png", Path(SCREENSHOT_COPY_DIR) / "dashboard-last-week.png")
