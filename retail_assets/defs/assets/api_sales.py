"""landing/api_sales: a business day's sales pulled from the sales HTTP API into the landing area.

An external source made into a landing object: each run replaces sales/<day>/api/sales_api.jsonl, which the
landing sensor and raw/sales then pick up like any file a store drops. raw/sales always depends on it; until
RETAIL_SALES_API_URL configures an API it is an external asset there (nothing to run), then this asset.
"""

import hashlib
from datetime import date

import dagster as dg

from retail_assets.defs.assets.day_figures import OWNERS, spec_code_reference
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.sales_api import SalesApi
from retail_assets.settings import Settings
from retail_assets.sources.sales_api_client import land_day, landing_bytes

API_SALES = dg.AssetKey(["landing", "api_sales"])


@dg.asset(
    key=API_SALES,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="landing",
    owners=OWNERS,
    kinds={"api", "json"},
    description="The day's sales from the e-commerce HTTP API, landed as one JSON Lines object for the day.",
)
def api_sales(context: dg.AssetExecutionContext, sales_api: SalesApi, lake: Lake) -> dg.MaterializeResult:
    """Pull every page of each day in the run, then write that day's landing object (nothing when a page fails)."""
    landed = {}
    for day in partition_days(context):
        records = sales_api.pull(date.fromisoformat(day))
        key = land_day(lake.filesystem(), lake.landing_base(), date.fromisoformat(day), records)
        landed[day] = {
            "records": len(records),
            "object": key,
            "sha256": hashlib.sha256(landing_bytes(records)).hexdigest(),
        }
        context.log.info(f"{day}: {len(records)} records landed as {key}")
    return dg.MaterializeResult(
        metadata={"records": sum(day["records"] for day in landed.values()), "days": dg.MetadataValue.json(landed)}
    )


api_sales_job = dg.define_asset_job(
    "api_sales_pull",
    selection=dg.AssetSelection.assets(API_SALES),
    description="Pull a business day from the sales API into the landing area.",
)

# At 07:00, an hour before the pipeline's 08:00 schedule; stopped until an API is configured.
api_sales_schedule = dg.build_schedule_from_partitioned_job(
    api_sales_job,
    name="api_sales_daily_at_0700",
    description="Yesterday's sales from the API at 07:00 business time (RETAIL_SALES_API_URL).",
    hour_of_day=7,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


# Until an API is configured, raw/sales' dependency is drawn as this external asset of the landing zone (nothing
# to run) rather than as Dagster's bare stub without group, kinds or description.
api_sales_unconfigured = dg.AssetSpec(
    key=API_SALES,
    description="Sales from an e-commerce HTTP API: none configured (RETAIL_SALES_API_URL pulls them).",
    group_name="landing",
    owners=OWNERS,
    kinds={"api", "json"},
    metadata=spec_code_reference(__file__),
)


def api_sales_definitions(settings: Settings) -> dg.Definitions:
    """The API source, its job and its schedule when an API is configured; its external spec otherwise."""
    if settings.sales_api_url is None:
        return dg.Definitions(assets=[api_sales_unconfigured])
    return dg.Definitions(
        assets=dg.with_source_code_references([api_sales]), jobs=[api_sales_job], schedules=[api_sales_schedule]
    )
