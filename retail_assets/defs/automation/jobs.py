"""The job the sensor and the schedule start: every asset and its checks, for one or more business days."""

import dagster as dg

# Partitioning comes from the assets (the one daily definition); a run targets one day or a range of days.
sales_pipeline = dg.define_asset_job(
    "sales_pipeline",
    selection=dg.AssetSelection.all(),
    description="Every asset from raw/sales to aurora/daily_sales, with its checks, for the run's business days.",
)
