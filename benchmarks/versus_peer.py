"""The project against its peer baselines on one landing day: interleaved runs, same totals, medians, ratios, memory."""

import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from benchmarks.measure import measure

ONE_DAY = Path(__file__).resolve().parent / "one_day.py"
# Where each tool loads the day's rows: the project's warehouse table, the peers' shared bench table.
TOTALS_TABLES = {
    "project_baseline": "retail.daily_sales",
    "project": "retail.daily_sales",
    "handwritten_spark": "bench.daily_sales",
    "duckdb_floor": "bench.daily_sales",
}
_TOTALS_SQL = (
    "SELECT count(*), sum(units_sold), sum(units_returned), sum(gross_revenue), sum(returns_amount), "
    "sum(net_revenue), sum(transactions), sum(customers) FROM {table} WHERE business_date = %s"
)


@dataclass
class Tool:
    """One contender: its command, and what each of its runs took and loaded."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    totals: set[tuple] = field(default_factory=set)

    @property
    def median(self) -> float:
        """The median wall time of its runs."""
        return statistics.median(self.seconds)


def compare(rows: int, runs: int, peers: Path, day: date, seed: int, baseline: Path | None = None) -> int:
    """Run the tools `runs` times, interleaved; print the table; 1 if their daily totals differ.

    baseline, when given, is another checkout of the project (an earlier commit) measured as a fourth tool.
    """
    from retail_assets.store_files.generator import generate_landing
    from retail_assets.warehouse.embedded_server import EmbeddedPostgres

    work = Path(tempfile.mkdtemp(prefix="retail-vs-peer-"))
    server = EmbeddedPostgres(work / "server")
    try:
        generate_landing(work / "landing", day, 1, seed=seed, timezone="UTC", rows_per_day=rows)
        url = server.url()
        landing_day = str(work / "landing" / "sales" / day.isoformat())
        project = [str(ONE_DAY), "--rows", str(rows), "--landing", str(work / "landing")]
        tools = [
            Tool("project", [sys.executable, *project], {"PYTHONPATH": str(ONE_DAY.parent.parent)}),
            *(
                Tool(name, [sys.executable, str(peers / f"{name}.py"), landing_day, str(work / name), str(day), url])
                for name in ("handwritten_spark", "duckdb_floor")
            ),
        ]
        if baseline is not None:
            before = [str(baseline / "benchmarks" / "one_day.py"), *project[1:]]
            tools.insert(1, Tool("project_baseline", [sys.executable, *before], {"PYTHONPATH": str(baseline)}))
        # The URL names the server's 0600 password file: no password is on any command line.
        env = {"RETAIL_DATABASE_URL": url, "SPARK_LOCAL_IP": "127.0.0.1"}
        print(f"{rows} rows, {runs} interleaved rounds, load average at start {_load()}", flush=True)
        for round_number in range(1, runs + 1):
            for tool in tools:
                result = measure(tool.command, {**env, **tool.env})
                tool.seconds.append(result.seconds)
                tool.peaks.append(result.peak_bytes)
                tool.totals.add(_totals(url, TOTALS_TABLES[tool.name], day))
                print(f"  round {round_number} {tool.name:18} {result.seconds:7.1f} s, {_gib(result.peak_bytes)}")
        print(f"load average at end {_load()}")
        return _report(tools)
    finally:
        server.remove()
        shutil.rmtree(work, ignore_errors=True)


def _report(tools: list[Tool]) -> int:
    """Print medians, ratios and peaks; 1 when the tools' daily totals are not all one and the same."""
    by_name = {tool.name: tool for tool in tools}
    project, peer, floor = by_name["project"], by_name["handwritten_spark"], by_name["duckdb_floor"]
    print(f"\n{'tool':18} {'median s':>9} {'runs s':>24} {'peak memory':>12}")
    for tool in tools:
        runs = " ".join(f"{seconds:.1f}" for seconds in tool.seconds)
        print(f"{tool.name:18} {tool.median:9.1f} {runs:>24} {_gib(max(tool.peaks)):>12}")
    print(f"project / handwritten_spark = {project.median / peer.median:.2f}x")
    print(f"project / duckdb_floor      = {project.median / floor.median:.2f}x")
    if "project_baseline" in by_name:
        print(f"project / project_baseline  = {project.median / by_name['project_baseline'].median:.2f}x")
    totals = set().union(*(tool.totals for tool in tools))
    if len(totals) != 1:
        print(f"DAILY TOTALS DIFFER: { {tool.name: sorted(tool.totals) for tool in tools} }")
        return 1
    ((count, *_, net, _, _),) = totals
    print(f"same daily totals from all three: {count} daily rows, net revenue {net}")
    return 0


def _totals(url: str, table: str, day: date) -> tuple:
    """Row count and sums of every measure a tool loaded for the day."""
    with psycopg.connect(url) as connection:
        return tuple(connection.execute(_TOTALS_SQL.format(table=table), (day,)).fetchone())


def _gib(size: int) -> str:
    """Bytes as GiB."""
    return f"{size / 2**30:.2f} GiB"


def _load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())
