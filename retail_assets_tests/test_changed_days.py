"""The landing sensor's pure scan step on an in-memory listing: which days are due, and where the next tick starts."""

import pytest

from retail_assets.defs.automation.changed_days import ScanCursor, ScanStep, scan_step
from retail_assets.defs.resources.lake import ListedObject

PARTITIONS = ("2024-01-01", "2024-12-31")


class Listing:
    """Landing keys and ETags in memory, listed in S3's order after a key, as the lakes list them."""

    def __init__(self, objects: dict[str, str] | None = None):
        self.objects = dict(objects or {})
        self.starts: list[str] = []  # the start_after of every listing call

    def __call__(self, prefix: str, start_after: str):
        self.starts.append(start_after)
        for key in sorted(self.objects):
            if key.startswith(prefix) and key > start_after:
                yield ListedObject(key, self.objects[key])


def day_keys(*days: str, names: tuple[str, ...] = ("a.csv",)) -> dict[str, str]:
    """One object per name for each day, its ETag naming it."""
    return {f"sales/{day}/{name}": f"etag-{day}-{name}" for day in days for name in names}


def step(listing: Listing, cursor: ScanCursor, lookback_days: int = 7, max_keys: int = 1000) -> ScanStep:
    """One tick over listing with the project's partitions."""
    return scan_step(listing, cursor, lookback_days, max_keys, PARTITIONS)


def full_pass(listing: Listing, cursor: ScanCursor, **options) -> tuple[list[ScanStep], ScanCursor]:
    """Ticks until the pass ends: every step, and the cursor after the last."""
    steps = []
    while not steps or not steps[-1].pass_complete:
        steps.append(step(listing, cursor, **options))
        cursor = steps[-1].cursor
    return steps, cursor


def test_a_new_day_is_due_once():
    listing = Listing()
    empty = step(listing, ScanCursor())
    assert (empty.due, empty.listed, empty.pass_complete) == ([], 0, True)
    listing.objects.update(day_keys("2024-03-08", names=("a.csv", "b.jsonl")))
    found = step(listing, empty.cursor)
    assert [(due.day, due.objects) for due in found.due] == [("2024-03-08", 2)]
    assert found.cursor.newest_day == "2024-03-08"
    assert found.cursor.days == {"2024-03-08": found.due[0].digest}
    assert step(listing, found.cursor).due == []


def test_a_changed_etag_makes_only_its_day_due_again():
    listing = Listing(day_keys("2024-03-07", "2024-03-08"))
    first = step(listing, ScanCursor())
    assert [due.day for due in first.due] == ["2024-03-07", "2024-03-08"]
    listing.objects["sales/2024-03-08/a.csv"] = "etag-reuploaded"
    again = step(listing, first.cursor)
    assert [(due.day, due.objects) for due in again.due] == [("2024-03-08", 1)]
    assert again.due[0].digest != first.due[1].digest
    assert again.cursor.days["2024-03-07"] == first.cursor.days["2024-03-07"]


def test_a_bounded_tick_resumes_where_it_stopped_and_digests_as_one_tick_does():
    listing = Listing(day_keys(*(f"2024-03-0{n}" for n in range(1, 6)), names=("a.csv", "b.csv")))
    steps, cursor = full_pass(listing, ScanCursor(), max_keys=3)
    assert [s.listed for s in steps] == [3, 3, 3, 1]
    assert steps[0].cursor.position == "sales/2024-03-02/a.csv"
    assert (steps[0].cursor.pending.day, steps[0].cursor.pending.objects) == ("2024-03-02", 1)
    assert listing.starts == ["", "sales/2024-03-02/a.csv", "sales/2024-03-03/b.csv", "sales/2024-03-05/a.csv"]
    due = [due for s in steps for due in s.due]
    one_tick = step(Listing(listing.objects), ScanCursor())
    assert due == one_tick.due  # a day split over ticks has the digest and count of the day listed at once
    assert [(d.day, d.objects) for d in due] == [(f"2024-03-0{n}", 2) for n in range(1, 6)]
    assert (cursor.position, cursor.pending) == (None, None)


def test_a_deleted_cursor_key_resumes_right_after_it():
    listing = Listing(day_keys("2024-03-01", "2024-03-02", "2024-03-03", names=("a.csv", "b.csv")))
    first = step(listing, ScanCursor(), max_keys=3)
    assert first.cursor.position == "sales/2024-03-02/a.csv"
    del listing.objects["sales/2024-03-02/a.csv"]
    steps, cursor = full_pass(listing, first.cursor, max_keys=3)
    assert listing.starts[1] == "sales/2024-03-02/a.csv"  # the deleted key still marks the place
    assert steps[0].listed == 3  # 03-02/b, 03-03/a, 03-03/b: nothing missed, nothing listed twice
    assert [due.day for s in [first, *steps] for due in s.due] == ["2024-03-01", "2024-03-02", "2024-03-03"]
    # The next pass sees 03-02 without the deleted object: its objects changed, so it is due again.
    assert [(due.day, due.objects) for due in step(listing, cursor).due] == [("2024-03-02", 1)]


def test_a_pass_lists_only_the_lookback_window_and_what_came_after():
    days = [f"2024-03-{n:02d}" for n in range(1, 11)]
    listing = Listing(day_keys(*days))
    first = step(listing, ScanCursor(), lookback_days=3)
    assert [due.day for due in first.due] == days
    assert sorted(first.cursor.days) == ["2024-03-08", "2024-03-09", "2024-03-10"]
    for day in ("2024-03-01", "2024-03-09"):
        listing.objects[f"sales/{day}/a.csv"] = "etag-changed"
    listing.objects.update(day_keys("2024-03-11"))
    later = step(listing, first.cursor, lookback_days=3)
    assert listing.starts[-1] == "sales/2024-03-08"  # just before the window's oldest day's keys
    assert later.listed == 4  # 03-08, 03-09, 03-10 and the new 03-11: not the older history
    assert [due.day for due in later.due] == ["2024-03-09", "2024-03-11"]
    assert sorted(later.cursor.days) == ["2024-03-09", "2024-03-10", "2024-03-11"]


def test_keys_that_are_not_data_of_a_partition_are_skipped_with_their_reason_once():
    listing = Listing(
        {
            "sales/2023-12-31/a.csv": "e1",
            "sales/2024-03-08/": "folder",
            "sales/2024-03-08/_SUCCESS": "marker",
            "sales/2024-03-08/.part.csv": "temporary",
            "sales/2024-03-08/a.csv": "e2",
            "sales/2024-03-08/notes.txt": "e3",
            "sales/2024-03-09/complete_journey/export.csv": "e6",  # read with the complete_journey recipe
            "sales/2024-03-09/complete_journey/notes.txt": "e7",
            "sales/2024-13-01/a.csv": "e4",
            "sales/readme.txt": "e5",
        }
    )
    first = step(listing, ScanCursor())
    assert [(due.day, due.objects) for due in first.due] == [("2024-03-08", 1), ("2024-03-09", 1)]
    assert first.listed == 10
    assert first.skipped == [
        "sales/2023-12-31/a.csv: day 2023-12-31 is outside the partitions (2024-01-01 to 2024-12-31)",
        (
            "sales/2024-03-08/notes.txt: not a data file (CSV, CSV gzip, JSON Lines, Parquet, or a source recipe's): "
            "ingest will refuse it"
        ),
        (
            "sales/2024-03-09/complete_journey/notes.txt: not a data file (CSV, CSV gzip, JSON Lines, Parquet, or a "
            "source recipe's): ingest will refuse it"
        ),
        "sales/2024-13-01/a.csv: '2024-13-01' is not a YYYY-MM-DD date",
        "sales/readme.txt: not under sales/<YYYY-MM-DD>/",
    ]
    assert step(listing, first.cursor).skipped == []  # logged once: the next passes stay quiet


def test_without_partitions_every_day_is_skipped_and_none_is_due():
    result = scan_step(Listing(day_keys("2024-03-08")), ScanCursor(), 7, 1000, None)
    assert result.due == []
    assert result.skipped == ["sales/2024-03-08/a.csv: day 2024-03-08 is outside the partitions (none yet)"]


def test_a_cursor_in_the_middle_of_a_day_survives_its_stored_text():
    listing = Listing(day_keys("2024-03-01", "2024-03-02", names=("a.csv", "b.csv")))
    stopped = step(listing, ScanCursor(), max_keys=3).cursor
    restored = ScanCursor.from_json(stopped.to_json())
    assert restored == stopped
    assert step(listing, restored, max_keys=3) == step(listing, stopped, max_keys=3)


@pytest.mark.parametrize("text", ["not json", '{"version": 99}', '{"version": 1}'])
def test_a_cursor_that_is_not_ours_is_refused(text):
    with pytest.raises(ValueError, match="cursor"):
        ScanCursor.from_json(text)
