"""The job the sensor and the schedule start: every asset and its checks, for one or more business days."""

import dagster as dg

from retail_assets.defs.automation.report_automation import REPORTS_GROUP

# Partitioning comes from the assets (the one daily definition); a run targets one day or a range of days.
# The reports (some monthly) follow by their own automation sensor: a job has one partitions definition.
sales_pipeline = dg.define_asset_job(
    "sales_pipeline",
    # Landing sources (the sales API pull) run on their own job: a day's rerun must not pull the API again.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(REPORTS_GROUP, "sources"),
    description="Every asset from raw/sales to aurora/daily_sales, with its checks, for the run's business days.",
)
