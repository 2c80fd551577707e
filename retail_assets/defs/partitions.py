"""The one daily partitions definition every asset from raw on shares."""

from datetime import timedelta

import dagster as dg

from glue_scripts.sales_contract import parse_day
from retail_assets.settings import get_settings

# Athena writes at most 100 partitions per statement; a Glue run and a statement never cover more.
MAX_DAYS_PER_CHUNK = 100

_settings = get_settings()
daily_partitions = dg.DailyPartitionsDefinition(start_date=_settings.partitions_start, timezone=_settings.timezone)


def chunks(days: list[str], size: int = MAX_DAYS_PER_CHUNK) -> list[list[str]]:
    """Consecutive runs of at most size days."""
    return [days[index : index + size] for index in range(0, len(days), size)]


def stretches(days: list[str], size: int = MAX_DAYS_PER_CHUNK) -> list[list[str]]:
    """The days, sorted and without repeats, as runs of consecutive calendar days of at most size days each."""
    runs: list[list[str]] = []
    for day in sorted(set(days)):
        if runs and parse_day(runs[-1][-1]) + timedelta(days=1) == parse_day(day):
            runs[-1].append(day)
        else:
            runs.append([day])
    return [chunk for run in runs for chunk in chunks(run, size)]
