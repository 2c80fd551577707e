"""Each day's own figures on its partition, and a per-day table on the run's materializations.

Dagster 1.13 writes one materialization per partition of a ranged run, each with the run's output metadata
(dagster-io/dagster issues 18123, 17836). context.add_asset_metadata(partition_key=...) is the one way to give a
partition metadata of its own in such a run: each day gets its row count and figures there; the per-day table
goes on every partition, so any day's page also shows the days it was run with.
"""

from collections.abc import Mapping, Sequence

import dagster as dg

from retail_assets.defs.resources.lake import Lake

# The Glue scripts report per-day counts as JSON maps over the range, and raw's objects as a list naming each one's
# day; they become the table and each day's figures. On every partition, the range's 2,920 objects made each of a
# year's 365 raw materializations half a megabyte, which every raw check read back (7-9 s a check).
DAY_MAPS = ("rows_by_day", "rows_landed_by_day", "reasons_by_day", "objects_by_day", "objects")
TOP_REASONS = 3
OWNERS = ["team:data-engineering"]


def spec_code_reference(path: str) -> dict[str, dg.CodeReferencesMetadataValue]:
    """The code-reference metadata of an external AssetSpec: with_source_code_references links only functions."""
    return {
        "dagster/code_references": dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=path, line_number=1)]
        )
    }


def day_map(metadata: Mapping[str, dg.MetadataValue], key: str) -> dict:
    """A per-day JSON map the Glue job reported ({} when it reported none)."""
    value = metadata.get(key)
    return dict(value.data) if isinstance(value, dg.JsonMetadataValue) else {}


def day_lists(metadata: Mapping[str, dg.MetadataValue], key: str) -> dict[str, list]:
    """A reported JSON list of records, each naming its "day", split by day ({} when none was reported)."""
    value = metadata.get(key)
    by_day: dict[str, list] = {}
    for record in value.data if isinstance(value, dg.JsonMetadataValue) else []:
        by_day.setdefault(record["day"], []).append(record)
    return by_day


def without_day_maps(metadata: Mapping[str, dg.MetadataValue]) -> dict[str, dg.MetadataValue]:
    """The reported metadata less the per-day maps and lists (the table and the partitions carry those)."""
    return {key: value for key, value in metadata.items() if key not in DAY_MAPS}


def top_reasons(reasons: Mapping[str, int], limit: int = TOP_REASONS) -> str:
    """The most frequent quarantine reasons, as 'reason count' pairs."""
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return ", ".join(f"{reason} {count}" for reason, count in ranked)


def day_table(rows: Sequence[Mapping[str, object]]) -> dg.TableMetadataValue:
    """Rows of per-day figures as a Dagster table; numbers stay numbers, everything else is text."""
    names = list(rows[0]) if rows else ["day"]
    types = {name: "int" if all(isinstance(row[name], int) for row in rows) else "string" for name in names}
    records = [
        dg.TableRecord({name: row[name] if types[name] == "int" else str(row[name]) for name in names}) for row in rows
    ]
    return dg.MetadataValue.table(records, dg.TableSchema([dg.TableColumn(name, types[name]) for name in names]))


def record_days(
    context: dg.AssetExecutionContext, asset_key: dg.AssetKey, figures: Mapping[str, Mapping[str, object]]
) -> None:
    """Each day's figures on that day's materialization only."""
    for day, metadata in figures.items():
        context.add_asset_metadata(dict(metadata), asset_key=asset_key, partition_key=day)


def lake_table_metadata(lake: Lake, zone: str, table: str) -> dict[str, object]:
    """Where a lake table lives: its catalog name (as the SQL files name it) and its URI."""
    return {"dagster/table_name": f"{zone}.{table}", "dagster/uri": dg.MetadataValue.url(lake.table_uri(zone, table))}
