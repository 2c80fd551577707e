"""The code location: assets, checks and resources, merged here and defined elsewhere."""

import dagster as dg

from retail_assets.assets.aurora import aurora_daily_sales
from retail_assets.assets.cleaned import cleaned_sales
from retail_assets.assets.final import final_daily_sales
from retail_assets.assets.landing import landing_sales
from retail_assets.assets.raw import raw_sales
from retail_assets.checks import ALL_CHECKS
from retail_assets.resources.environments import resources_for
from retail_assets.settings import get_settings

defs = dg.Definitions(
    assets=[landing_sales, raw_sales, cleaned_sales, final_daily_sales, aurora_daily_sales],
    asset_checks=ALL_CHECKS,
    resources=resources_for(get_settings()),
    # Steps run one after another in one process: the Glue steps are the heavy ones, and run Spark on both cores.
    executor=dg.in_process_executor,
)
