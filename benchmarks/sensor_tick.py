"""Benchmark: the landing sensor's ticks over 100,000 landing objects, in moto S3 and in a local folder.

.venv/bin/python benchmarks/sensor_tick.py [--objects 100000] [--days 250] [--max-keys 20000] [--lookback-days 7]

Prints the catch-up ticks (a fresh cursor over the whole bucket, max-keys keys a tick), a tick once caught up
(the lookback window only), a tick after one new file, and, for comparison, one full listing of the bucket (what a
sensor that relists everything pays every tick). moto's listing sorts the whole bucket on every page, so its
figures are an upper bound for S3's. Needs the test extra (moto, pytest): it drives the sensor as the tests do.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def main() -> int:
    """Fill each store, then time the sensor's ticks over it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--max-keys", type=int, default=20_000)
    parser.add_argument("--lookback-days", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from moto import mock_aws

    from retail_assets_tests.support.landing_stores import TMPFS, LocalLanding, S3Landing

    days = [(date(2023, 1, 1) + timedelta(days=n)).isoformat() for n in range(args.days)]
    per_day = args.objects // args.days
    keys = [f"sales/{day}/store_{store:05d}.csv" for day in days for store in range(per_day)]
    new_day = (date.fromisoformat(days[-1]) + timedelta(days=1)).isoformat()
    settings = {"max_keys": args.max_keys, "lookback_days": args.lookback_days}
    print(f"{len(keys)} objects over {len(days)} days, {args.max_keys} keys a tick, {args.lookback_days}-day lookback")
    with mock_aws():
        bench("moto S3", S3Landing(), keys, new_day, settings)
    with tempfile.TemporaryDirectory(dir=TMPFS if os.access(TMPFS, os.W_OK) else None) as root:
        bench("local folder", LocalLanding(Path(root) / "landing"), keys, new_day, settings)
    return 0


def bench(name: str, landing, keys: list[str], new_day: str, settings: dict) -> None:
    """Time the ticks of a fresh sensor over landing, then one full listing."""
    from retail_assets_tests.support.landing_stores import Ticker

    started = time.perf_counter()
    landing.put_many(keys)
    print(f"\n{name}: created {len(keys)} objects in {time.perf_counter() - started:.1f} s")
    ticker = Ticker(landing.lake, **settings)
    tick = 0
    while tick == 0 or ticker.position() is not None:
        tick += 1
        seconds, requests = timed(ticker.tick)
        print(f"  catch-up tick {tick}: {seconds:6.2f} s, {len(requests)} runs requested")
    seconds, requests = timed(ticker.tick)
    print(f"  caught up, one tick: {seconds:6.2f} s, {len(requests)} runs ({ticker.skip_reason})")
    landing.put(f"sales/{new_day}/store_00000.csv")
    seconds, requests = timed(ticker.tick)
    print(f"  after one new file, one tick: {seconds:6.2f} s, runs requested for {sorted(requests)}")
    seconds, listed = timed(lambda: sum(1 for _ in landing.lake.list_landing("sales/")))
    print(f"  for comparison, one full listing: {seconds:6.2f} s for {listed} keys")


def timed(call):
    """(seconds, result) of call()."""
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


if __name__ == "__main__":
    sys.exit(main())
