"""One bounded step of the landing scan: which business days have new or changed objects since the cursor.

The scan walks the landing keys in S3's order in passes. A pass starts just before the oldest day of the lookback
window (the newest day seen and the days before it) and runs to the last key, so it lists the recent days (to
compare their objects with the cursor) and whatever arrived after them (new days), never the older history. A pass
may span several ticks: a tick lists at most max_keys keys and records where it stopped, as a key to start after,
which stays valid when that object is deleted.

A day's objects are contiguous in key order; their keys and ETags are folded into one digest as they stream by.
When the pass leaves a day, a digest different from the one recorded for it means new or changed objects: the day
is due for a run.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import islice

from glue_scripts.recipes.loader import installed_recipes, recipe_for
from glue_scripts.sales_contract import (
    LANDING_TABLE_PREFIX,
    data_file_format,
    is_folder_marker,
    is_hidden,
    key_segments_problem,
    parse_day,
)
from retail_assets.defs.resources.lake import ListedObject

PREFIX = f"{LANDING_TABLE_PREFIX}/"
CURSOR_VERSION = 1
_EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()

ListLanding = Callable[[str, str], Iterable[ListedObject]]


@dataclass
class DayDigest:
    """A day's objects so far in a pass: their digest and count."""

    day: str
    digest: str = _EMPTY_DIGEST
    objects: int = 0

    def add(self, listed: ListedObject) -> None:
        """Fold one object into the digest (keys arrive in order, so the same set gives the same digest)."""
        self.digest = hashlib.sha256(f"{self.digest}\n{listed.key}\n{listed.etag}".encode()).hexdigest()
        self.objects += 1


@dataclass
class ScanCursor:
    """Where the scan is, and what it has already requested."""

    # Key the pass in progress resumes after; None: the next tick starts a new pass.
    position: str | None = None
    # The day the pass was in the middle of when its tick ended.
    pending: DayDigest | None = None
    # Newest business day that has had a run requested: the end of the lookback window.
    newest_day: str | None = None
    # Greatest key ever listed: a skipped key at or below it has already been logged.
    high_water: str = ""
    # Digest requested last for each day of the lookback window.
    days: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The cursor as Dagster stores it."""
        pending = self.pending and [self.pending.day, self.pending.digest, self.pending.objects]
        return json.dumps(
            {
                "version": CURSOR_VERSION,
                "position": self.position,
                "pending": pending,
                "newest_day": self.newest_day,
                "high_water": self.high_water,
                "days": self.days,
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | None) -> "ScanCursor":
        """A cursor from its stored text; a missing one starts from the first key; ValueError for garbage."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data["version"] != CURSOR_VERSION:
                raise ValueError(f"cursor version {data['version']!r}")
            pending = data["pending"] and DayDigest(*data["pending"])
            return cls(data["position"], pending, data["newest_day"], data["high_water"], dict(data["days"]))
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a landing sensor cursor: {error}") from error


@dataclass(frozen=True)
class DueDay:
    """A business day whose objects are new or changed: one run to request."""

    day: str
    digest: str
    objects: int


@dataclass(frozen=True)
class ScanStep:
    """What one tick found."""

    due: list[DueDay]
    cursor: ScanCursor
    skipped: list[str]  # keys that are not data of a partition, each with the reason, first time seen
    listed: int
    pass_complete: bool


def scan_step(
    list_landing: ListLanding,
    cursor: ScanCursor,
    lookback_days: int,
    max_keys: int,
    partitions: tuple[str, str] | None,
) -> ScanStep:
    """List at most max_keys keys from where cursor stopped; partitions is (first day, last day), None if none."""
    days = dict(cursor.days)
    pending = cursor.pending and replace(cursor.pending)  # a copy: the caller's cursor stays as it was
    newest, high_water = cursor.newest_day, cursor.high_water
    start_after = cursor.position if cursor.position is not None else window_start(newest, lookback_days)
    due: list[DueDay] = []
    skipped: list[str] = []

    def leave(day: DayDigest) -> None:
        """The pass is past day: request it if its objects differ from the last request."""
        nonlocal newest
        if days.get(day.day) != day.digest:
            due.append(DueDay(day.day, day.digest, day.objects))
            days[day.day] = day.digest
        newest = max(newest or day.day, day.day)

    listed, position = 0, start_after
    for item in islice(list_landing(PREFIX, start_after), max_keys):
        listed, position = listed + 1, item.key
        day, reason = classify(item.key, partitions, item.problem)
        if day is not None:
            if pending is not None and pending.day != day:
                leave(pending)
                pending = None
            pending = pending or DayDigest(day)
            pending.add(item)
        elif reason is not None and item.key > high_water:
            skipped.append(f"{item.key}: {reason}")
        high_water = max(high_water, item.key)

    pass_complete = listed < max_keys  # the listing ran out before the budget did
    if pass_complete and pending is not None:
        leave(pending)
        pending = None
    oldest_kept = window_start_day(newest, lookback_days)
    next_cursor = ScanCursor(
        position=None if pass_complete else position,
        pending=pending,
        newest_day=newest,
        high_water=high_water,
        days={day: digest for day, digest in days.items() if oldest_kept is None or day >= oldest_kept},
    )
    return ScanStep(due=due, cursor=next_cursor, skipped=skipped, listed=listed, pass_complete=pass_complete)


def classify(key: str, partitions: tuple[str, str] | None, problem: str | None = None) -> tuple[str | None, str | None]:
    """(day, None) for a data object of a partition; (None, reason) for a key to log; (None, None) to ignore."""
    below = key[len(PREFIX) :]
    if problem or key_segments_problem(key):
        return None, problem or key_segments_problem(key)
    if is_folder_marker(key) or is_hidden(below):
        return None, None  # folder markers and temporary or marker files: ingest skips them, not worth a line
    day, _, name = below.partition("/")
    if not name:
        return None, f"not under {PREFIX}<YYYY-MM-DD>/"
    if not is_day(day):
        return None, f"{day!r} is not a YYYY-MM-DD date"
    if data_file_format(name) is None and recipe_for(name, installed_recipes()) is None:
        return None, "not a data file (CSV, CSV gzip, JSON Lines, Parquet, or a source recipe's): ingest will refuse it"
    if partitions is None or not partitions[0] <= day <= partitions[1]:
        bounds = f"{partitions[0]} to {partitions[1]}" if partitions else "none yet"
        return None, f"day {day} is outside the partitions ({bounds})"
    return day, None


def is_day(text: str) -> bool:
    """Whether text is a calendar day as YYYY-MM-DD."""
    try:
        parse_day(text)
    except ValueError:
        return False
    return True


def window_start_day(newest_day: str | None, lookback_days: int) -> str | None:
    """The oldest day of the lookback window: lookback_days days ending with newest_day."""
    if newest_day is None:
        return None
    return (parse_day(newest_day) - timedelta(days=lookback_days - 1)).isoformat()


def window_start(newest_day: str | None, lookback_days: int) -> str:
    """The key a new pass starts after: just before the window's oldest day, or before every key."""
    oldest = window_start_day(newest_day, lookback_days)
    # "sales/2024-03-02" sorts before every "sales/2024-03-02/..." key and after every earlier day's.
    return f"{PREFIX}{oldest}" if oldest else ""


def landing_day_digest(list_landing: ListLanding, day: str, partitions: tuple[str, str] | None) -> DayDigest:
    """The digest a scan folds for day's objects, listed on their own (raw records it with each day it lands)."""
    digest = DayDigest(day)
    for item in list_landing(f"{PREFIX}{day}/", ""):
        if classify(item.key, partitions)[0] == day:
            digest.add(item)
    return digest
