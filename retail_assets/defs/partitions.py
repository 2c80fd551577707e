"""The one daily partitions definition every asset from raw on shares, and the reports' monthly one."""

import dagster as dg

from retail_assets.settings import get_settings

# Athena writes at most 100 partitions per statement; a Glue run and a statement never cover more.
MAX_DAYS_PER_CHUNK = 100

_settings = get_settings()
daily_partitions = dg.DailyPartitionsDefinition(start_date=_settings.partitions_start, timezone=_settings.timezone)
# The monthly reports: the month in progress is a partition too (end_offset=1), refreshed as its days load.
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=_settings.partitions_start[:8] + "01", timezone=_settings.timezone, end_offset=1
)


def chunks(days: list[str], size: int = MAX_DAYS_PER_CHUNK) -> list[list[str]]:
    """Consecutive runs of at most size days."""
    return [days[index : index + size] for index in range(0, len(days), size)]
