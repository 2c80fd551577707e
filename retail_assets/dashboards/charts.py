"""The dashboard's Vega-Lite charts, built with Altair over named datasets, and a date range that filters them all."""

from datetime import date
from decimal import Decimal

import altair as alt

from retail_assets.dashboards.figures import Figures

WIDTH, HALF = 900, 420
MONEY = alt.Axis(format=",.2f")
DAY = alt.X("utcyearmonthdate(business_date):T", title="business day", axis=alt.Axis(format="%b %d"))
# The range control's parameters, and the filter every chart applies with them. Compared as times: Vega-Lite has
# already parsed business_date into a Date where a chart uses it as time, and left it as text elsewhere.
RANGE_START, RANGE_END = "range_start", "range_end"
_DAY = "toDate(datum.business_date)"
IN_RANGE = f"{_DAY} >= toDate({RANGE_START}) && {_DAY} <= toDate({RANGE_END})"
TITLES = {
    "total": "Total sales",
    "brand": "Sales per brand",
    "category": "Sales per category",
    "store_id": "Sales per store",
    "returns": "Returns rate",
    "products": "Top products",
}


def datasets(figures: Figures) -> dict[str, list[dict]]:
    """The figures as JSON-ready rows: days as ISO text, money as numbers (exact for 15 significant digits)."""
    named = {"daily": figures.daily, "products": figures.per_product}
    named.update({f"per_{dimension}": rows for dimension, rows in figures.per_dimension.items()})
    return {name: [_json_row(row) for row in rows] for name, rows in named.items()}


def _json_row(row: dict) -> dict:
    """One row with dates as text and decimals as floats."""
    return {
        key: value.isoformat() if isinstance(value, date) else float(value) if isinstance(value, Decimal) else value
        for key, value in row.items()
    }


def _filtered(chart: alt.Chart, in_range: bool) -> alt.Chart:
    """chart restricted to the chosen date range when it is part of the page."""
    return chart.transform_filter(IN_RANGE) if in_range else chart


def total_sales(in_range: bool = True, width: int = WIDTH) -> alt.Chart:
    """Net revenue per day and its 7-day average."""
    base = _filtered(alt.Chart(alt.NamedData("daily")), in_range).transform_fold(
        ["net_revenue", "net_revenue_7day_avg"], as_=["measure", "amount"]
    )
    return (
        base.mark_line(point=True)
        .encode(
            x=DAY,
            y=alt.Y("amount:Q", title="net revenue", axis=MONEY),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["net_revenue", "net_revenue_7day_avg"], range=["#1f77b4", "#ff7f0e"]),
                legend=alt.Legend(orient="bottom", labelExpr="datum.label == 'net_revenue' ? 'net' : '7-day average'"),
            ),
            strokeDash=alt.StrokeDash("measure:N", legend=None),
            tooltip=[alt.Tooltip("business_date:N", title="day"), alt.Tooltip("amount:Q", format=",.2f")],
        )
        .properties(title=alt.Title(TITLES["total"], subtitle="Net revenue per business day"), width=width, height=260)
    )


def sales_per(dimension: str, in_range: bool = True, width: int = HALF, limit: int = 25) -> alt.Chart:
    """Net revenue per value of a dimension over the range, highest first (at most limit bars)."""
    field = dimension
    return (
        _filtered(alt.Chart(alt.NamedData(f"per_{dimension}")), in_range)
        .transform_aggregate(net_revenue="sum(net_revenue)", units_sold="sum(units_sold)", groupby=[field])
        .transform_window(rank="row_number()", sort=[alt.SortField("net_revenue", order="descending")])
        .transform_filter(f"datum.rank <= {limit}")
        .mark_bar()
        .encode(
            x=alt.X("net_revenue:Q", title="net revenue", axis=MONEY),
            y=alt.Y(f"{field}:N", sort="-x", title=None),
            tooltip=[f"{field}:N", alt.Tooltip("net_revenue:Q", format=",.2f"), "units_sold:Q"],
        )
        .properties(title=TITLES[dimension], width=width)
    )


def returns_rate(width: int = HALF) -> alt.Chart:
    """Returns as a share of gross revenue, per day."""
    return (
        alt.Chart(alt.NamedData("daily"))
        .transform_filter(IN_RANGE)
        .mark_line(point=alt.OverlayMarkDef(color="#d62728"), color="#d62728")
        .encode(
            x=DAY,
            y=alt.Y("returns_rate:Q", title="returns / gross revenue", axis=alt.Axis(format=".1%")),
            tooltip=[alt.Tooltip("business_date:N", title="day"), alt.Tooltip("returns_rate:Q", format=".2%")],
        )
        .properties(title=alt.Title(TITLES["returns"], subtitle="Returns amount over gross revenue"), width=width)
    )


def top_products(width: int = HALF, limit: int = 10) -> alt.Chart:
    """The products of highest net revenue over the range."""
    return (
        alt.Chart(alt.NamedData("products"))
        .transform_filter(IN_RANGE)
        .transform_aggregate(
            net_revenue="sum(net_revenue)", units_sold="sum(units_sold)", groupby=["product_id", "product"]
        )
        .transform_window(rank="row_number()", sort=[alt.SortField("net_revenue", order="descending")])
        .transform_filter(f"datum.rank <= {limit}")
        .mark_bar(color="#2ca02c")
        .encode(
            x=alt.X("net_revenue:Q", title="net revenue", axis=MONEY),
            y=alt.Y("product:N", sort="-x", title=None),
            tooltip=["product:N", "product_id:N", alt.Tooltip("net_revenue:Q", format=",.2f"), "units_sold:Q"],
        )
        .properties(title=TITLES["products"], width=width)
    )


def dashboard_spec(figures: Figures) -> dict:
    """The whole page's Vega-Lite spec: a date range (from, to) over every chart, the data inlined."""
    first = figures.first_day.isoformat() if figures.first_day else ""
    last = figures.last_day.isoformat() if figures.last_day else ""
    start = alt.param(name=RANGE_START, value=first, bind=alt.binding(input="date", name="From "))
    end = alt.param(name=RANGE_END, value=last, bind=alt.binding(input="date", name="To "))
    page = alt.vconcat(
        total_sales(),
        alt.hconcat(sales_per("brand"), sales_per("category")),
        alt.hconcat(sales_per("store_id"), returns_rate()),
        top_products(),
    ).add_params(start, end)
    # Each chart keeps its own legend, beside it, instead of one shared at the foot of the page.
    page = page.resolve_legend(color="independent", strokeDash="independent")
    return _with_data(page, figures)


def png_spec(chart: alt.Chart, figures: Figures) -> dict:
    """A single chart's spec with the data inlined, for a PNG."""
    return _with_data(chart, figures)


def _with_data(chart: alt.TopLevelMixin, figures: Figures) -> dict:
    """The chart's spec with every dataset it may name, in a fixed order (the page must be byte-stable)."""
    spec = chart.to_dict(validate=True)
    spec["datasets"] = datasets(figures)
    spec["config"] = {"view": {"stroke": None}, "font": "sans-serif"}
    return spec
