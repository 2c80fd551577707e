"""Partition ranges as lists of days, and metadata merged over the chunks of a range."""

from collections.abc import Iterable, Mapping

import dagster as dg

from glue_scripts.sales_contract import business_days


def partition_days(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[str]:
    """The business days the run targets, validated (by business_days) before they reach a path or a query."""
    key_range = context.partition_key_range
    return business_days(key_range.start, key_range.end)


def merge_metadata(parts: Iterable[Mapping[str, dg.MetadataValue]]) -> dict[str, dg.MetadataValue]:
    """Combine the metadata of several chunks: counts add up, per-day maps and lists join."""
    merged: dict[str, dg.MetadataValue] = {}
    for part in parts:
        for key, value in part.items():
            merged[key] = value if key not in merged else _combine(merged[key], value)
    return merged


def _combine(first: dg.MetadataValue, second: dg.MetadataValue) -> dg.MetadataValue:
    """One metadata value from two chunks' values."""
    if isinstance(first, dg.BoolMetadataValue) and isinstance(second, dg.BoolMetadataValue):
        return dg.MetadataValue.bool(first.value or second.value)
    if isinstance(first, dg.IntMetadataValue) and isinstance(second, dg.IntMetadataValue):
        return dg.MetadataValue.int(first.value + second.value)
    if isinstance(first, dg.JsonMetadataValue) and isinstance(second, dg.JsonMetadataValue):
        if isinstance(first.data, dict) and isinstance(second.data, dict):
            return dg.MetadataValue.json(_add_maps(first.data, second.data))
        if isinstance(first.data, list) and isinstance(second.data, list):
            return dg.MetadataValue.json(first.data + second.data)
    return second


def _add_maps(first: dict, second: dict) -> dict:
    """Merge two JSON maps, adding numbers found under the same key (reason counts over chunks)."""
    merged = dict(first)
    for key, value in second.items():
        if isinstance(merged.get(key), int) and isinstance(value, int):
            merged[key] += value
        elif isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = _add_maps(merged[key], value)
        else:
            merged[key] = value
    return merged
