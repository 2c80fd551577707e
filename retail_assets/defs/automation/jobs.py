"""The jobs: the sales pipeline the sensors and the schedule start, for one or more business days, with the run
requests that start it; propensity."""

import dagster as dg

from retail_assets.dagster_private import partition_range_tags
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


def days_run_request(
    first: str, last: str, run_key: str, tags: dict[str, str], assets: list[dg.AssetKey] | None = None
) -> dg.RunRequest:
    """A run of first...last (one day by its partition key, more days as one ranged run with the range tags), of
    every asset of the job or of assets only (with their checks)."""
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first, tags=tags, asset_selection=assets)
    return dg.RunRequest(run_key=run_key, tags={**tags, **partition_range_tags(first, last)}, asset_selection=assets)


def days_label(request: dg.RunRequest) -> str:
    """The days a request runs, as 'day' or 'first...last'."""
    key_range = request.partition_key_range
    return request.partition_key or f"{key_range.start}...{key_range.end}"
