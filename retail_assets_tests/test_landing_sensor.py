"""The landing sensor against moto S3 and against the local landing folder: one code path, two listings."""

import json
import logging
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from retail_assets.defs.automation.landing_sensor import LANDING_OBJECTS_TAG, landing_sensor
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.settings import SettingsError, settings_from
from retail_assets_tests.support.log_records import CollectRecords

REGION = "us-east-1"
BUCKET = "retail-landing-test"
S3_ROOT = "landing/"  # the landing root is a folder of the bucket, as a key prefix
TMPFS = "/dev/shm"


class LocalLanding:
    """The landing folder under RETAIL_HOME."""

    def __init__(self, root: Path):
        self.root = root
        self.lake = LocalLake(landing_root=str(root), lake_root=str(root.parent / "lake"))

    def put(self, key: str, body: bytes = b"a,b\n") -> None:
        if key.endswith("/"):
            (self.root / key).mkdir(parents=True, exist_ok=True)  # a folder marker is just a folder here
            return
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def put_many(self, keys: list[str]) -> None:
        for folder in {key.rsplit("/", 1)[0] for key in keys}:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for key in keys:
            with open(self.root / key, "wb"):
                pass

    def delete(self, key: str) -> None:
        (self.root / key).unlink()


class S3Landing:
    """The landing bucket, in moto."""

    def __init__(self):
        aws = AwsClients(region=REGION)
        self.client = aws.client("s3")
        self.client.create_bucket(Bucket=BUCKET)
        self.lake = S3Lake(clients=aws, landing_bucket=BUCKET, landing_prefix=S3_ROOT, lake_bucket=BUCKET)

    def put(self, key: str, body: bytes = b"a,b\n") -> None:
        self.client.put_object(Bucket=BUCKET, Key=S3_ROOT + key, Body=body if not key.endswith("/") else b"")

    def put_many(self, keys: list[str]) -> None:
        # moto's own backend call: the same objects as put_object, without an HTTP round trip per key.
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for key in keys:
            backend.put_object(BUCKET, S3_ROOT + key, b"")

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=BUCKET, Key=S3_ROOT + key)


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


class Ticker:
    """Evaluates the sensor tick after tick, carrying the cursor, as the daemon does."""

    def __init__(self, lake, **settings):
        environ = {f"RETAIL_SENSOR_{name.upper()}": str(value) for name, value in settings.items()}
        self.sensor = landing_sensor(settings_from(environ))
        self.lake = lake
        self.cursor = None
        self.warnings: list[str] = []
        self.skip_reason: str | None = None

    def tick(self) -> dict[str, dg.RunRequest]:
        """One evaluation: the run requests by partition."""
        # Entered as a context manager: a resource holding another (S3Lake holds its clients) is set up in it.
        with dg.build_sensor_context(cursor=self.cursor, resources={"lake": self.lake}) as context:
            handler = CollectRecords()
            context.log.addHandler(handler)
            result = self.sensor(context)
        self.warnings += [record.getMessage() for record in handler.records if record.levelno == logging.WARNING]
        self.cursor = result.cursor
        self.skip_reason = result.skip_reason.skip_message if result.skip_reason else None
        requests = {request.partition_key: request for request in result.run_requests}
        assert len(requests) == len(result.run_requests), "two runs requested for one day in one tick"
        return requests

    def position(self) -> str | None:
        """The key the pass in progress resumes after (None between passes)."""
        return json.loads(self.cursor)["position"]

    def finish_pass(self) -> tuple[list[dg.RunRequest], int]:
        """Ticks until the pass in progress ends: every run request in order, and the number of ticks."""
        requests, ticks = [], 0
        while ticks == 0 or self.position() is not None:
            requests += list(self.tick().values())
            ticks += 1
        return requests, ticks


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
    landing.put("sales/2024-03-10/store_1.csv")
    requests = ticker.tick()
    assert sorted(requests) == ["2024-03-09", "2024-03-10"]
    assert requests["2024-03-09"].tags[LANDING_OBJECTS_TAG] == "4"
    assert ticker.tick() == {}


def test_a_reupload_starts_a_new_run_of_its_day(landing):
    ticker = Ticker(landing.lake)
    landing.put("sales/2024-03-08/store_1.csv")
    landing.put("sales/2024-03-09/store_1.csv")
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
    assert [request.partition_key for request in requests] == days[1:]  # each once, none lost
    # The next pass sees that 2024-03-02 lost an object since its run was requested: it runs again.
    requests, _ = ticker.finish_pass()
    assert [request.partition_key for request in requests] == ["2024-03-02"]
    assert ticker.finish_pass()[0] == []


def test_100000_objects_over_several_ticks_none_missed_none_twice(landing):
    days = [(date(2023, 1, 1) + timedelta(days=n)).isoformat() for n in range(250)]
    landing.put_many([f"sales/{day}/store_{store:03d}.csv" for day in days for store in range(400)])
    # 30,000 keys a tick: 4 ticks and a bit, and most ticks end in the middle of a day.
    ticker = Ticker(landing.lake, max_keys=30_000, lookback_days=7)
    requests, ticks = ticker.finish_pass()
    assert ticks == 4
    assert [request.partition_key for request in requests] == days
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
