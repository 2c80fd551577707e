"""Business date of a sold_at value, parsed the way the Spark cleaning job casts it."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from glue_scripts.sales_contract import TIMESTAMP_PATTERN

_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
# java.time.ZoneOffset (behind Spark's CAST) stops at +/-18:00; Python's timezone would accept up to 23:59.
_MAX_OFFSET = timedelta(hours=18)


def date_in(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar date of a datetime in tz; a naive datetime is wall-clock time in tz."""
    if moment.tzinfo is None:
        # Round-trip through UTC so a wall time inside a DST gap moves forward like java.time does
        # (fold=0 takes the earlier offset in a repeated hour, as Spark does).
        moment = moment.replace(tzinfo=tz).astimezone(UTC)
    return moment.astimezone(tz).date()


def parse_sold_at(value: str) -> datetime | None:
    """The datetime of an ISO 8601 sold_at (aware when it carries an offset), or None if it doesn't parse."""
    match = _TIMESTAMP.match(value)
    seconds, zone, offset_minutes = match.group(1, 3, 4) if match else (None, None, None)
    # Spark's CAST gives null for an offset after hh:mm without seconds, and for offset minutes past 59.
    if not match or (zone and not seconds) or (offset_minutes and int(offset_minutes.lstrip(":")) > 59):
        return None
    try:
        # Python >= 3.11 reads 'Z', +hh, +hhmm, +hh:mm and truncates fractions past microseconds, like Spark.
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > _MAX_OFFSET:
        return None
    return moment


def business_date_of(sold_at: str, tz: ZoneInfo) -> date | None:
    """The business date of a sold_at string in tz, or None when it is not a timestamp."""
    moment = parse_sold_at(sold_at)
    try:
        return None if moment is None else date_in(moment, tz)
    except OverflowError:  # within hours of year 1 or 9999: no business day of ours
        return None
