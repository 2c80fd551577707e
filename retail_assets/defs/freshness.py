"""The analysts' deadline: aurora/daily_sales holds yesterday by RETAIL_DAILY_SALES_DEADLINE, business time."""

from datetime import timedelta

import dagster as dg

from retail_assets.settings import Settings, get_settings


def daily_sales_freshness(settings: Settings) -> dg.FreshnessPolicy:
    """A cron freshness policy: materialized between midnight and the deadline, every day, in the business zone."""
    hour, minute = (int(part) for part in settings.daily_sales_deadline.split(":"))
    # Dagster's evaluator looks at the asset's latest materialization, not at a partition: a materialization
    # between midnight (when yesterday's partition comes to exist) and the deadline passes. The daemon evaluates it.
    return dg.FreshnessPolicy.cron(
        deadline_cron=f"{minute} {hour} * * *",
        lower_bound_delta=timedelta(hours=hour, minutes=minute),
        timezone=settings.timezone,
    )


DAILY_SALES_FRESHNESS = daily_sales_freshness(get_settings())
