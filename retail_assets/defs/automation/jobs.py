"""The jobs: the sales pipeline the sensor and the schedule start, for one or more business days; propensity."""

import dagster as dg

from retail_assets.defs.automation.report_automation import REPORTS_GROUP

# Partitioning comes from the assets (the one daily definition); a run targets one day or a range of days.
# The reports (some monthly) follow by their own automation sensor: a job has one partitions definition.
sales_pipeline = dg.define_asset_job(
    "sales_pipeline",
    # Not the reports (they follow by their own automation sensor and jobs), nor the landing sources: the sales API
    # pull runs on its own job, so that a day's rerun does not pull the API again.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(REPORTS_GROUP, "sources"),
    description="Every asset from raw/sales to aurora/daily_sales, with its checks, for the run's business days.",
)

propensity_pipeline = dg.define_asset_job(
    "propensity_pipeline",
    selection=dg.AssetSelection.groups("propensity"),
    description="Customer features, the model and its gate, the accepted version and the scores in Aurora.",
)
