"""The landing store in the two backends (moto S3, a local folder) and a sensor ticker, for tests and benchmarks."""

import json
import logging
from pathlib import Path

import dagster as dg
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from glue_scripts.sales_contract import business_days
from retail_assets.defs.automation.jobs import days_label
from retail_assets.defs.automation.landing_sensor import landing_sensor
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.settings import settings_from
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


def requested_days(requests: list[dg.RunRequest]) -> list[str]:
    """Every day the requests run, in order."""
    ranges = [request.partition_key_range or dg.PartitionKeyRange(request.partition_key, request.partition_key)
              for request in requests]  # fmt: skip
    return [day for key_range in ranges for day in business_days(key_range.start, key_range.end)]


class Ticker:
    """Evaluates the sensor tick after tick, carrying the cursor, as the daemon does."""

    def __init__(self, lake, instance: dg.DagsterInstance | None = None, **settings):
        environ = {f"RETAIL_SENSOR_{name.upper()}": str(value) for name, value in settings.items()}
        self.sensor = landing_sensor(settings_from(environ))
        self.lake = lake
        # One instance for every tick, as the daemon has; raw's recorded landing digests are read from it.
        self.instance = instance or dg.DagsterInstance.ephemeral()
        self.cursor = None
        self.warnings: list[str] = []
        self.skip_reason: str | None = None

    def tick(self) -> dict[str, dg.RunRequest]:
        """One evaluation: the run requests by their days, 'day' or 'first...last'."""
        # Entered as a context manager: a resource holding another (S3Lake holds its clients) is set up in it.
        with dg.build_sensor_context(
            cursor=self.cursor, resources={"lake": self.lake}, instance=self.instance
        ) as context:
            handler = CollectRecords()
            context.log.addHandler(handler)
            result = self.sensor(context)
        self.warnings += [record.getMessage() for record in handler.records if record.levelno == logging.WARNING]
        self.cursor = result.cursor
        self.skip_reason = result.skip_reason.skip_message if result.skip_reason else None
        requests = {days_label(request): request for request in result.run_requests}
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
