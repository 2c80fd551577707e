"""Benchmark: one business day of N generated rows through every asset and check.

.venv/bin/python benchmarks/one_day.py [--rows 100000]
    one run in a throwaway RETAIL_HOME; prints how long each asset and check took.
.venv/bin/python benchmarks/one_day.py --vs-peer --peers DIR [--rows 100000] [--runs 3]
    the project, DIR/handwritten_spark.py and DIR/duckdb_floor.py interleaved on the same landing day, each as a
    fresh process against one PostgreSQL server; checks all three load the same daily totals, prints medians, the
    ratios project/peer and project/floor, and the peak memory of each process tree (the Spark JVM included);
    --baseline CHECKOUT adds an earlier checkout of the project to every round (a before/after in one run).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

DAY = date(2024, 3, 2)
SEED = 1


def main() -> int:
    """Parse the arguments and run the chosen mode."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=1, help="days from 2024-03-02 run as one ranged run (default 1)")
    parser.add_argument("--landing", type=Path, help="a landing root generated before (copied, not generated)")
    parser.add_argument("--vs-peer", action="store_true", help="interleave the project with the peer baselines")
    parser.add_argument("--peers", type=Path, help="the folder of handwritten_spark.py and duckdb_floor.py")
    parser.add_argument("--baseline", type=Path, help="with --vs-peer: an earlier checkout, measured alongside")
    parser.add_argument("--runs", type=int, default=3, help="rounds of the interleaved comparison (default 3)")
    args = parser.parse_args()
    if args.vs_peer:
        if args.peers is None:
            parser.error("--vs-peer needs --peers")
        from benchmarks.versus_peer import compare

        return compare(args.rows, args.runs, args.peers, DAY, SEED, args.baseline)
    return one_run(args.rows, args.days, args.landing)


def one_run(rows: int, days: int, landing: Path | None) -> int:
    """Materialize `days` days from DAY as one run in a throwaway RETAIL_HOME; print step times."""
    home = Path(tempfile.mkdtemp(prefix="retail-bench-"))
    # Settings are read once, at first import: set them before importing the project.
    os.environ.update(RETAIL_HOME=str(home), RETAIL_TIMEZONE="UTC", DAGSTER_HOME=str(home / "dagster"))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    (home / "dagster").mkdir(parents=True)

    import dagster as dg

    from retail_assets_tests.support.dagster_dev import shipped_instance_yaml

    # The instance settings `make demo` writes (its event log: dagster-home.yaml).
    (home / "dagster" / "dagster.yaml").write_text(shipped_instance_yaml())

    from retail_assets.cli.run_range import materialize_range
    from retail_assets.definitions import defs
    from retail_assets.store_files.generator import generate_landing
    from retail_assets.warehouse.embedded_server import EmbeddedPostgres

    started = time.perf_counter()
    if landing is None:
        generate_landing(home / "landing", DAY, days, seed=SEED, timezone="UTC", rows_per_day=rows)
        print(f"generated {rows} rows in {time.perf_counter() - started:.1f} s")
    else:
        shutil.copytree(landing, home / "landing")
    try:
        with dg.DagsterInstance.get() as instance:
            started = time.perf_counter()
            last = DAY + timedelta(days=days - 1)
            outcome = materialize_range(defs, DAY.isoformat(), last.isoformat(), instance)
            wall = time.perf_counter() - started
            durations = step_durations(instance, outcome.run_id)
    finally:
        EmbeddedPostgres(home).remove()
        shutil.rmtree(home, ignore_errors=True)
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
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
