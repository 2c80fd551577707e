"""The timestamps step of a recipe: a source's date-time text as the landing contract's ISO 8601."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from glue_scripts.recipes.schema import Timestamps, has_time


class TimestampError(ValueError):
    """A value that no format of the recipe reads."""


def to_iso(value: str, rule: Timestamps) -> str:
    """value read by the first format that fits, as ISO 8601 (with the offset it had or its source zone's).

    Without formats the value must already be ISO 8601. A value without an offset is read in rule.timezone when
    the recipe names one (and then carries that zone's offset); otherwise it stays local and the cleaning reads it
    in the business time zone. A repeated wall time (the hour DST falls back) is its first occurrence.
    """
    moment = _parse(value.strip(), rule)
    if moment.tzinfo is None and rule.timezone is not None:
        moment = _localize(moment, ZoneInfo(rule.timezone))
    return moment.isoformat()


def _parse(text: str, rule: Timestamps) -> datetime:
    """The datetime of text by the rule's formats, tried in order."""
    if not rule.formats:
        try:
            return datetime.fromisoformat(text)
        except ValueError as error:
            raise TimestampError(f"{text!r} is not an ISO 8601 timestamp") from error
    for pattern in rule.formats:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if not has_time(pattern):
            moment = datetime.combine(moment.date(), time.fromisoformat(rule.default_time), moment.tzinfo)
        return moment
    raise TimestampError(f"{text!r} matches none of the formats {rule.formats}")


def _localize(moment: datetime, zone: ZoneInfo) -> datetime:
    """A wall time in zone; TimestampError for one that does not exist there (skipped when DST starts)."""
    local = moment.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
        raise TimestampError(f"{moment.isoformat()} does not exist in {zone.key} (clocks skip it when DST starts)")
    return local
