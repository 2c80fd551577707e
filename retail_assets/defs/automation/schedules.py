"""The 08:00 schedule: yesterday's business day, every day, in the business timezone."""

import dagster as dg

from retail_assets.defs.automation.jobs import sales_pipeline
from retail_assets.settings import Settings

SCHEDULE_HOUR = 8


def daily_schedule(settings: Settings):
    """Runs the previous business day at 08:00 business time; on by default only if RETAIL_TRIGGER=schedule."""
    # The daily partitions end at midnight in RETAIL_TIMEZONE, so at 08:00 their last partition is yesterday;
    # the schedule takes its timezone from them.
    return dg.build_schedule_from_partitioned_job(
        sales_pipeline,
        name="daily_at_0800",
        description="Yesterday's business day at 08:00 business time (RETAIL_TIMEZONE).",
        hour_of_day=SCHEDULE_HOUR,
        minute_of_hour=0,
        default_status=dg.DefaultScheduleStatus.RUNNING
        if settings.trigger == "schedule"
        else dg.DefaultScheduleStatus.STOPPED,
    )
