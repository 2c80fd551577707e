"""The one daily partitions definition every asset from raw on shares."""

import dagster as dg

from retail_assets.settings import get_settings

# Athena writes at most 100 partitions per statement; a Glue run and a statement never cover more.
MAX_DAYS_PER_CHUNK = 100

_settings = get_settings()
daily_partitions = dg.DailyPartitionsDefinition(start_date=_settings.partitions_start, timezone=_settings.timezone)


def chunks(days: list[str], size: int = MAX_DAYS_PER_CHUNK) -> list[list[str]]:
    """Consecutive runs of at most size days."""
    return [days[index : index + size] for index in range(0, len(days), size)]
