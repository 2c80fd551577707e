"""The dashboard as one self-contained HTML file (Vega, Vega-Lite and vega-embed inlined), and charts as PNG."""

import base64
import html
import json
from functools import lru_cache

import altair as alt
import vl_convert

from retail_assets.dashboards.charts import dashboard_spec, png_spec, sales_per, total_sales
from retail_assets.dashboards.figures import Figures

# The Vega-Lite version Altair writes its specs for; vl-convert bundles and renders that same version.
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
PAGE_TITLE = "Retail sales dashboard"

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }}
header p {{ color: #555; margin: 4px 0 16px; }}
.vega-bindings {{ margin: 8px 0 16px; }}
.vega-bind {{ display: inline-block; margin-right: 16px; }}
</style>
<script>{bundle}</script>
</head>
<body>
<header>
<h1>{title}</h1>
<p>{summary}</p>
</header>
<div id="controls"></div>
<div id="dashboard"></div>
<script type="application/json" id="dashboard-spec">{spec}</script>
<script>
const spec = JSON.parse(document.getElementById("dashboard-spec").textContent);
vegaEmbed("#dashboard", spec, {{renderer: "svg", actions: false, bind: "#controls"}})
  .then((result) => {{ window.dashboardView = result.view; document.body.dataset.rendered = "true"; }})
  .catch((error) => console.error(error));
</script>
</body>
</html>
"""


@lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script that defines window.vegaEmbed (built once per process)."""
    bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    if "</script" in bundle.lower():
        raise ValueError("the charting bundle holds '</script' and cannot be inlined")
    return bundle


def script_json(value: dict) -> str:
    """JSON that is safe inside a <script> element: no '<' can end it early."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")


def summary_line(figures: Figures) -> str:
    """The sentence under the title: which days, from where."""
    if figures.first_day is None:
        return "retail.daily_sales holds no days yet."
    return (
        f"retail.daily_sales, {figures.first_day.isoformat()} to {figures.last_day.isoformat()}: "
        f"{len(figures.daily)} days, net revenue {figures.total_net_revenue:,.2f}. "
        "Choose the days with From and To below."
    )


def dashboard_html(figures: Figures) -> str:
    """The page: the same figures always give the same bytes (no clock, sorted JSON keys)."""
    return _TEMPLATE.format(
        title=PAGE_TITLE,
        summary=html.escape(summary_line(figures)),
        bundle=javascript_bundle(),
        spec=script_json(dashboard_spec(figures)),
    )


def chart_pngs(figures: Figures) -> dict[str, bytes]:
    """The key charts as PNG, rendered offline by vl-convert: total sales per day and sales per brand."""
    charts = {"Total sales": total_sales(in_range=False, width=640), "Sales per brand": sales_per("brand", False, 640)}
    return {
        title: vl_convert.vegalite_to_png(
            png_spec(chart, figures), vl_version=VEGA_LITE_VERSION, scale=1.0, allowed_base_urls=[]
        )
        for title, chart in charts.items()
    }


def pngs_markdown(pngs: dict[str, bytes]) -> str:
    """Markdown with each PNG embedded as a data URI, for the asset's metadata."""
    return "\n\n".join(
        f"**{title}**\n\n![{title}](data:image/png;base64,{base64.b64encode(png).decode()})"
        for title, png in pngs.items()
    )
