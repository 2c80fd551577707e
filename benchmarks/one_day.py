"""Benchmark: one business day of N generated rows through every asset; prints how long assets and checks take.

.venv/bin/python benchmarks/one_day.py [--rows 100000]
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main() -> int:
    """Generate a day, materialize it as one run in a throwaway RETAIL_HOME, print step times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="retail-bench-"))
    # Settings are read once, at first import: set them before importing the project.
    os.environ.update(RETAIL_HOME=str(home), RETAIL_TIMEZONE="UTC", DAGSTER_HOME=str(home / "dagster"))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    (home / "dagster").mkdir(parents=True)

    import dagster as dg

    from retail_assets.cli.run_range import materialize_range
    from retail_assets.definitions import defs
    from retail_assets.store_files.generator import generate_landing
    from retail_assets.warehouse.embedded_server import EmbeddedPostgres

    day = date(2024, 3, 2)
    started = time.perf_counter()
    generate_landing(home / "landing", day, 1, seed=1, timezone="UTC", rows_per_day=args.rows)
    print(f"generated {args.rows} rows in {time.perf_counter() - started:.1f} s")
    try:
        with dg.DagsterInstance.get() as instance:
            started = time.perf_counter()
            outcome = materialize_range(defs, day.isoformat(), day.isoformat(), instance)
            wall = time.perf_counter() - started
            durations = step_durations(instance, outcome.run_id)
    finally:
        EmbeddedPostgres(home).remove()
    checks = {step: seconds for step, seconds in durations.items() if step in check_steps(defs)}
    assets = {step: seconds for step, seconds in durations.items() if step not in checks}
    for step, seconds in sorted(durations.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.2f} s  {'check' if step in checks else 'asset'}  {step}")
    print(
        f"run {'succeeded' if outcome.success else 'FAILED'}: wall {wall:.1f} s, "
        f"assets {sum(assets.values()):.1f} s, checks {sum(checks.values()):.1f} s"
    )
    return 0 if outcome.success else 1


def step_durations(instance, run_id: str) -> dict[str, float]:
    """Seconds from start to end of every step of a run, from its event log."""
    starts, ends = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.is_step_start:
            starts[event.step_key] = record.timestamp
        elif event.is_step_success or event.is_step_failure:
            ends[event.step_key] = record.timestamp
    return {step: ends[step] - starts[step] for step in starts if step in ends}


def check_steps(defs) -> set[str]:
    """The step keys of asset checks (named <asset path>_<check name> by Dagster)."""
    graph = defs.resolve_asset_graph()
    return {"__".join(key.asset_key.path) + "_" + key.name for key in graph.asset_check_keys}


if __name__ == "__main__":
    sys.exit(main())
