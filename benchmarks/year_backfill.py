"""Benchmark: a year of days (365 x 10,000 rows) as one backfill run against one day of 10,000 rows.

.venv/bin/python benchmarks/year_backfill.py [--rows 10000] [--days 365] [--runs 1] [--steps]
Both run as fresh processes through benchmarks/one_day.py (every asset and check, one ranged run), interleaved;
prints each median, the ratio year / day and the peak memory of each process tree.
"""

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from textwrap import indent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import measure
from benchmarks.one_day import DAY, SEED

_STEP_LINE = re.compile(r"^\s*[0-9.]+ s  (asset|check)  |^run (succeeded|FAILED)")
ONE_DAY = Path(__file__).resolve().parent / "one_day.py"


def main() -> int:
    """Generate both landings once, run them interleaved, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--steps", action="store_true", help="also print each run's step times")
    args = parser.parse_args()
    from retail_assets.store_files.generator import generate_landing

    work = Path(tempfile.mkdtemp(prefix="retail-year-"))
    try:
        sizes = {"one day": 1, f"{args.days} days": args.days}
        seconds: dict[str, list[float]] = {name: [] for name in sizes}
        peaks: dict[str, list[int]] = {name: [] for name in sizes}
        for name, days in sizes.items():
            generate_landing(work / str(days), DAY, days, seed=SEED, timezone="UTC", rows_per_day=args.rows)
        print(f"{args.rows} rows a day, load average at start {os.getloadavg()[0]:.1f}", flush=True)
        for _ in range(args.runs):
            for name, days in sizes.items():
                command = [sys.executable, str(ONE_DAY), "--rows", str(args.rows), "--days", str(days)]
                result = measure([*command, "--landing", str(work / str(days))], {"SPARK_LOCAL_IP": "127.0.0.1"})
                seconds[name].append(result.seconds)
                peaks[name].append(result.peak_bytes)
                print(f"  {name:9} {result.seconds:7.1f} s, peak {result.peak_bytes / 2**30:.2f} GiB", flush=True)
                if args.steps:
                    print(indent("".join(step_lines(result.output)), "      "), flush=True)
        print(f"load average at end {os.getloadavg()[0]:.1f}")
        day, year = (statistics.median(values) for values in seconds.values())
        print(f"one day {day:.1f} s, {args.days} days {year:.1f} s: ratio {year / day:.2f}x")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def step_lines(output: str) -> list[str]:
    """The step table one_day.py prints at its end, without the run's event log."""
    return [line for line in output.splitlines(keepends=True) if _STEP_LINE.match(line)]


if __name__ == "__main__":
    sys.exit(main())
