"""The landing sensor against moto S3 and against the local landing folder: one code path, two listings."""

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from retail_assets.dagster_private import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from retail_assets.defs.automation.landing_sensor import LANDING_OBJECTS_TAG
from retail_assets.settings import SettingsError, settings_from
from retail_assets_tests.support.landing_stores import TMPFS, LocalLanding, S3Landing, Ticker, requested_days


@pytest.fixture(params=["s3", "local"])
def landing(request, tmp_path):
    """The landing store, S3 in moto or a local folder."""
    if request.param == "local":
        # 100,000 files take seconds to create on a tmpfs, and up to a minute on a busy disk.
        with tempfile.TemporaryDirectory(dir=TMPFS if os.access(TMPFS, os.W_OK) else tmp_path) as root:
            yield LocalLanding(Path(root) / "landing")
        return
    with mock_aws():
        yield S3Landing()


def test_a_new_day_starts_one_run_of_that_day(landing):
    ticker = Ticker(landing.lake)
    assert ticker.tick() == {}
    landing.put("sales/2024-03-08/store_1.csv")
    requests = ticker.tick()
    assert list(requests) == ["2024-03-08"]
    assert requests["2024-03-08"].tags[LANDING_OBJECTS_TAG] == "1"
    assert ticker.tick() == {}


def test_several_files_of_a_day_in_one_tick_are_one_run(landing):
    ticker = Ticker(landing.lake)
    for name in ("store_1.csv", "store_2.jsonl", "store_3.parquet", "web/orders.csv.gz"):
        landing.put(f"sales/2024-03-09/{name}")
    landing.put("sales/2024-03-11/store_1.csv")  # not the next day: a run of its own
    requests = ticker.tick()
    assert sorted(requests) == ["2024-03-09", "2024-03-11"]
    assert requests["2024-03-09"].tags[LANDING_OBJECTS_TAG] == "4"
    assert ticker.tick() == {}


def days_from(first: date, count: int) -> list[str]:
    """count consecutive days from first, as YYYY-MM-DD."""
    return [(first + timedelta(days=offset)).isoformat() for offset in range(count)]


def test_40_new_days_in_one_tick_are_one_ranged_run(landing):
    ticker = Ticker(landing.lake)
    days = days_from(date(2024, 1, 1), 40)
    landing.put_many([f"sales/{day}/store_{store}.csv" for day in days for store in (1, 2)])
    requests = ticker.tick()
    assert list(requests) == ["2024-01-01...2024-02-09"]
    (request,) = requests.values()
    assert request.partition_key is None
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == "2024-01-01"
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == "2024-02-09"
    assert request.tags[LANDING_OBJECTS_TAG] == "80"
    assert ticker.tick() == {}  # the next tick: nothing new
    # The same tick again from the same cursor, or a fresh cursor: the same run key, which the daemon runs once.
    ticker.cursor = None
    (again,) = ticker.tick().values()
    assert again.run_key == request.run_key


def test_a_stretch_longer_than_100_days_is_split_and_a_gap_starts_a_new_run(landing):
    ticker = Ticker(landing.lake)
    days = days_from(date(2023, 1, 1), 230) + days_from(date(2023, 9, 1), 3)  # a gap before September
    landing.put_many([f"sales/{day}/store_1.csv" for day in days])
    requests = ticker.tick()
    assert list(requests) == [
        "2023-01-01...2023-04-10", "2023-04-11...2023-07-19", "2023-07-20...2023-08-18", "2023-09-01...2023-09-03"
    ]  # fmt: skip
    assert requested_days(list(requests.values())) == days
    assert len({request.run_key for request in requests.values()}) == 4
    assert ticker.tick() == {}
    landing.put("sales/2023-09-02/store_2.csv")  # a late file within the window: that day alone runs again
    assert list(ticker.tick()) == ["2023-09-02"]


def test_a_reupload_starts_a_new_run_of_its_day(landing):
    ticker = Ticker(landing.lake)
    landing.put("sales/2024-03-08/store_1.csv")
    landing.put("sales/2024-03-10/store_1.csv")
    first = ticker.tick()["2024-03-08"]
    landing.put("sales/2024-03-08/store_1.csv", b"a,b\n1,2\n")  # new content
    second = ticker.tick()
    assert list(second) == ["2024-03-08"]
    assert second["2024-03-08"].run_key != first.run_key
    assert ticker.tick() == {}
    landing.put("sales/2024-03-08/store_2.csv")  # a late file of a day already run
    assert list(ticker.tick()) == ["2024-03-08"]


def test_invalid_keys_are_logged_once_and_start_nothing(landing):
    ticker = Ticker(landing.lake)
    landing.put("sales/2024-03-08/store_1.csv")
    skipped = {
        "sales/2024-02-30/store_1.csv": "not a YYYY-MM-DD date",
        "sales/latest/store_1.csv": "not a YYYY-MM-DD date",
        "sales/notes.csv": "not under sales/<YYYY-MM-DD>/",
        "sales/2024-03-08/readme.txt": "not a data file",
        "sales/2016-12-31/store_1.csv": "outside the partitions",
        "sales/2999-01-01/store_1.csv": "outside the partitions",
    }
    ignored = [
        "sales/2024-03-09/",
        "sales/2024-03-08/.store_2.csv.part",
        "sales/2024-03-08/_SUCCESS",
        "sales/_tmp/x.csv",
    ]
    for key in [*skipped, *ignored]:
        landing.put(key)
    assert list(ticker.tick()) == ["2024-03-08"]
    assert len(ticker.warnings) == len(skipped)
    for key, reason in skipped.items():
        assert any(key in line and reason in line for line in ticker.warnings), key
    landing.put("sales/2024-03-08/.store_3.csv.part")  # a hidden file does not change the day
    assert ticker.tick() == {}
    assert len(ticker.warnings) == len(skipped)  # the next passes list them again but do not repeat the lines


def test_a_deleted_cursor_key_resumes_right_after_it(landing):
    days = [f"2024-03-0{day}" for day in range(1, 6)]
    for day in days:
        for store in range(4):
            landing.put(f"sales/{day}/store_{store}.csv")
    ticker = Ticker(landing.lake, max_keys=6)
    assert list(ticker.tick()) == ["2024-03-01"]  # the tick stopped inside 2024-03-02
    assert ticker.position() == "sales/2024-03-02/store_1.csv"
    landing.delete("sales/2024-03-02/store_1.csv")
    requests, _ = ticker.finish_pass()
    assert requested_days(requests) == days[1:]  # each once, none lost
    # The next pass sees that 2024-03-02 lost an object since its run was requested: it runs again.
    requests, _ = ticker.finish_pass()
    assert requested_days(requests) == ["2024-03-02"]
    assert ticker.finish_pass()[0] == []


def test_100000_objects_over_several_ticks_none_missed_none_twice(landing):
    days = [(date(2023, 1, 1) + timedelta(days=n)).isoformat() for n in range(250)]
    landing.put_many([f"sales/{day}/store_{store:03d}.csv" for day in days for store in range(400)])
    # 30,000 keys a tick: 4 ticks and a bit, and most ticks end in the middle of a day.
    ticker = Ticker(landing.lake, max_keys=30_000, lookback_days=7)
    requests, ticks = ticker.finish_pass()
    assert ticks == 4
    assert requested_days(requests) == days
    assert sum(int(request.tags[LANDING_OBJECTS_TAG]) for request in requests) == 100_000
    # Caught up, a tick lists the 7 days of the lookback window, not the bucket.
    assert ticker.tick() == {}
    assert ticker.skip_reason == "no new or changed landing objects in 2800 keys listed"
    landing.put("sales/2023-09-08/store_000.csv")
    assert list(ticker.tick()) == ["2023-09-08"]


def test_the_local_walk_lists_in_s3_order(tmp_path):
    names = ["a.csv", "a-b.csv", "a/x.csv", "a_b/y.csv", "a.b/z.csv", "B.csv", "é.csv", "a0.csv", "a/b/c.csv"]
    keys = [f"sales/2024-03-08/{name}" for name in names]
    local = LocalLanding(tmp_path / "landing")
    with mock_aws():
        s3 = S3Landing()
        for key in keys:
            local.put(key)
            s3.put(key)
        for start_after in ("", "sales/2024-03-08/a-b.csv", "sales/2024-03-08/a/", "sales/2024-03-08/a/b"):
            expected = [item.key for item in s3.lake.list_landing("sales/", start_after)]
            assert [item.key for item in local.lake.list_landing("sales/", start_after)] == expected
            assert expected == sorted(key for key in keys if key > start_after)


def test_an_unreadable_cursor_starts_over_with_the_same_run_keys(landing):
    ticker = Ticker(landing.lake)
    landing.put("sales/2024-03-08/store_1.csv")
    first = ticker.tick()["2024-03-08"]
    ticker.cursor = "not json"
    again = ticker.tick()["2024-03-08"]
    assert again.run_key == first.run_key  # so the daemon does not start it again
    assert any("not a landing sensor cursor" in line for line in ticker.warnings)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("RETAIL_TRIGGER", "cron"),
        ("RETAIL_SENSOR_INTERVAL_SECONDS", "1"),
        ("RETAIL_SENSOR_LOOKBACK_DAYS", "0"),
        ("RETAIL_SENSOR_MAX_KEYS", "many"),
        ("RETAIL_DAGSTER_URL", "dagster.local:3000"),
    ],
)
def test_automation_settings_are_checked(variable, value):
    with pytest.raises(SettingsError, match=variable):
        settings_from({variable: value})
