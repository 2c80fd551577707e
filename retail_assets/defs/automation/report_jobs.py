"""Jobs that run the reports and the dashboard by hand or from the CLI (the automation sensor runs them too)."""

import dagster as dg

from retail_assets.defs.assets.dashboard import SALES_DASHBOARD
from retail_assets.defs.assets.reports import report_key
from retail_assets.defs.report_tables import DAY, REPORTS

# The per-day report, the monthly ones (a run rewrites the months of its days) and the dashboard run apart.
daily_reports = dg.define_asset_job(
    "daily_reports",
    selection=dg.AssetSelection.assets(*(report_key(report) for report in REPORTS if report.grain == DAY)),
    description="The report tables per business day, and their monthly exports.",
)
monthly_reports = dg.define_asset_job(
    "monthly_reports",
    selection=dg.AssetSelection.assets(*(report_key(report) for report in REPORTS if report.grain != DAY)),
    description="The report tables per month, and their exports.",
)
dashboard = dg.define_asset_job(
    "sales_dashboard",
    selection=dg.AssetSelection.assets(SALES_DASHBOARD),
    description="The HTML dashboard (and QuickSight's SPICE refresh on AWS).",
)
REPORT_JOBS = [daily_reports, monthly_reports, dashboard]
