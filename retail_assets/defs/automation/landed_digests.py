"""What is already done: the landing digest raw/sales recorded when it last read a day's objects."""

import dagster as dg

from retail_assets.defs.assets.raw import LANDING_DIGEST, RAW_SALES
from retail_assets.defs.automation.changed_days import DueDay


def recorded_digest(instance: dg.DagsterInstance, day: str) -> str | None:
    """The landing digest on raw/sales's latest materialization of day (None when it has none)."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(RAW_SALES, asset_partitions=[day]), limit=1)
    if not records.records:
        return None
    value = records.records[0].asset_materialization.metadata.get(LANDING_DIGEST)
    return getattr(value, "value", None)


def not_yet_landed(instance: dg.DagsterInstance, due: list[DueDay]) -> list[DueDay]:
    """The due days whose objects differ from what raw last read: a run started elsewhere (the demo, a backfill)
    already covers the others, so a sensor started after it, with an empty cursor, requests nothing for them."""
    return [day for day in due if recorded_digest(instance, day.day) != day.digest]
