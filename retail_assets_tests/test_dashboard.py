"""The dashboard page: every figure equal to PostgreSQL's rows, byte-identical on a rerun, charts in the metadata."""

import base64
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from retail_assets.dashboards.location import dashboard_path
from retail_assets_tests.support.dashboard_data import build_dashboard, loaded_warehouse, page_spec
from retail_assets_tests.support.url_warehouse import scratch_database

FIRST_DAY, DAYS = "2024-03-01", 20
FOUR_PLACES = Decimal("0.0001")


@pytest.fixture()
def database(postgres_url):
    """A database of this test's own on the session server."""
    with scratch_database(postgres_url) as url:
        yield url


def stored_rows(url: str) -> list[dict]:
    """Every row of retail.daily_sales, as PostgreSQL holds them."""
    with psycopg.connect(url, row_factory=dict_row) as connection:
        return connection.execute("SELECT * FROM retail.daily_sales").fetchall()


def as_decimal(number: float) -> Decimal:
    """A JSON number of the page as the decimal it was written from."""
    return Decimal(repr(number))


def sums_by(rows: list[dict], *keys: str, value: str = "net_revenue") -> dict[tuple, Decimal]:
    """Sum of value per combination of keys, computed here from the stored rows."""
    sums = defaultdict(Decimal)
    for row in rows:
        sums[tuple(str(row[key] if row[key] not in (None, "") else "(none)") for key in keys)] += row[value]
    return dict(sums)


def test_every_figure_equals_postgresql(tmp_path, database):
    backends = loaded_warehouse(tmp_path, database, FIRST_DAY, DAYS)
    materialization = build_dashboard(backends, database)
    page = Path(dashboard_path(backends.lake)).read_text()
    datasets = page_spec(page)["datasets"]
    rows = stored_rows(database)

    daily = {row["business_date"]: row for row in datasets["daily"]}
    assert len(daily) == DAYS
    for column in ("net_revenue", "gross_revenue", "returns_amount", "units_sold", "units_returned"):
        expected = sums_by(rows, "business_date", value=column)
        assert {(day,): as_decimal(row[column]) for day, row in daily.items()} == expected, column
    # The 7-day average over the calendar week ending on each day, and returns over gross: computed here.
    days = sorted(date.fromisoformat(day) for day in daily)
    net = {day: Decimal(repr(daily[day.isoformat()]["net_revenue"])) for day in days}
    for day in days:
        week = [net[other] for other in days if day - timedelta(days=6) <= other <= day]
        average = (sum(week) / len(week)).quantize(FOUR_PLACES, ROUND_HALF_UP)
        assert as_decimal(daily[day.isoformat()]["net_revenue_7day_avg"]) == average, day
        row = daily[day.isoformat()]
        rate = (Decimal(repr(row["returns_amount"])) / Decimal(repr(row["gross_revenue"]))).quantize(FOUR_PLACES)
        assert as_decimal(row["returns_rate"]) == rate, day

    for dimension, column in (("per_brand", "brand"), ("per_category", "category"), ("per_store_id", "store_id")):
        shown = {(row["business_date"], row[column]): as_decimal(row["net_revenue"]) for row in datasets[dimension]}
        assert shown == sums_by(rows, "business_date", column), dimension
    products = {
        (row["business_date"], row["product_id"]): as_decimal(row["net_revenue"]) for row in datasets["products"]
    }
    assert products == sums_by(rows, "business_date", "product_id")

    total = sum((row["net_revenue"] for row in rows), Decimal(0))
    assert materialization.metadata["net_revenue"].value == str(total)
    assert f"net revenue {total:,.2f}" in page
    assert materialization.metadata["bytes"].value == len(page.encode())


def test_the_page_is_self_contained_and_byte_identical_on_a_rerun(tmp_path, database):
    backends = loaded_warehouse(tmp_path, database, FIRST_DAY, DAYS)
    build_dashboard(backends, database)
    first = Path(dashboard_path(backends.lake)).read_bytes()
    materialization = build_dashboard(backends, database)
    assert Path(dashboard_path(backends.lake)).read_bytes() == first
    page = first.decode()
    # No script, style or image is fetched: every <script> is inline, and no URL but the Vega-Lite schema id appears.
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    assert "vegaEmbed" in page and len(first) > 500_000  # the charting library is in the file
    # The key charts are PNGs inside the metadata's Markdown.
    charts = materialization.metadata["charts"].value
    images = re.findall(r"!\[([^\]]+)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", charts)
    assert [title for title, _ in images] == ["Total sales", "Sales per brand"]
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for _, data in images)


def test_an_empty_warehouse_gives_a_page_that_says_so(tmp_path, database):
    from retail_assets_tests.support.report_lake import report_lake

    backends = report_lake(tmp_path)
    materialization = build_dashboard(backends, database)
    page = Path(dashboard_path(backends.lake)).read_text()
    assert "retail.daily_sales holds no days yet." in page
    assert materialization.metadata["days"].value == 0
