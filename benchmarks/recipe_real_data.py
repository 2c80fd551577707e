"""Benchmark: Complete Journey's original columns through its recipe against the pre-converted file, timed.

.venv/bin/python benchmarks/recipe_real_data.py [--first 2017-03-05] [--days 14]

Lands both files' lines of the days, runs the original's through the whole pipeline into a throwaway embedded
PostgreSQL, asserts that every day has the same rows landed, cleaned and quarantined (by reason) and the same net
revenue by store and product as the pre-converted sales_2017.csv, and prints the figures and the wall time. The
test suite runs the same comparison on three days (retail_assets_tests/test_recipe_end_to_end.py).
"""

import argparse
import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def main() -> int:
    """Compare the days and print one line per day and the time it took."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--first", default="2017-03-05", help="the first business day (2017)")
    parser.add_argument("--days", type=int, default=14, help="how many days (the default spans the DST change)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="retail-bench-"))
    os.environ.update(SPARK_LOCAL_IP="127.0.0.1")
    os.environ.pop("RETAIL_DATABASE_URL", None)

    from retail_assets.warehouse.embedded_server import EmbeddedPostgres
    from retail_assets.warehouse.roles import ADMIN
    from retail_assets_tests.support.recipe_comparison import compare_through_recipe

    first = date.fromisoformat(args.first)
    days = [(first + timedelta(days=offset)).isoformat() for offset in range(args.days)]
    server = EmbeddedPostgres(home / "postgres-home")
    try:
        started = time.perf_counter()
        figures = compare_through_recipe(home / "run", server.url(ADMIN), days)
        seconds = time.perf_counter() - started
        for day, day_figures in figures.items():
            print(day, " ".join(f"{name}={value}" for name, value in day_figures.items()))
        rows = sum(day_figures["landed"] for day_figures in figures.values())
        print(f"{len(days)} days, {rows} rows: the same as sales_2017.csv, in {seconds:.0f} s")
    finally:
        server.remove()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
