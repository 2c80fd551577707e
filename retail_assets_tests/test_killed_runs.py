"""A Spark step killed while writing leaves staging folders: the next run of the same days removes them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from glue_scripts import clean_sales, ingest_sales
from glue_scripts.lake_days import SPARK_STAGING_PREFIX
from retail_assets.defs.checks.raw_checks import integrity_problems
from retail_assets.defs.resources.glue import job_arguments, script_path
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE, PROJECT_ROOT

DAYS = [f"2024-04-{day:02d}" for day in range(1, 21)]


def staging_folders(table: Path) -> list[Path]:
    """The Spark staging folders under a table."""
    return sorted(table.glob(f"{SPARK_STAGING_PREFIX}*")) if table.exists() else []


def kill_while_staging(job: str, arguments: dict[str, str], table: Path) -> None:
    """Run a Glue script and SIGKILL its process group as soon as a staging folder appears under table."""
    command = [sys.executable, script_path(job), *job_arguments({"JOB_NAME": job, **arguments})]
    env = {**os.environ, "PYTHONPATH": PROJECT_ROOT}
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        while process.poll() is None and not staging_folders(table):
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert staging_folders(table), f"{job} finished before it could be killed while writing"


def test_a_kill_during_ingest_and_clean_leaves_staging_the_next_run_removes(spark, tmp_path):
    for day in DAYS:
        folder = tmp_path / "landing" / "sales" / day
        folder.mkdir(parents=True)
        lines = "".join(f"T{n},{day} 10:00:00,S{n % 7},P{n % 13},{n % 5 + 1},1.25\n" for n in range(2000))
        (folder / "store.csv").write_text("transaction_id,sold_at,store_id,product_id,quantity,unit_price\n" + lines)
    lake = LocalLake(landing_root=str(tmp_path / "landing"), lake_root=str(tmp_path / "lake"))
    tables = {zone: tmp_path / "lake" / zone / "sales" for zone in ("raw", "cleaned", "quarantine")}
    days = {"start_date": DAYS[0], "end_date": DAYS[-1]}
    ingest = {"landing_uri": str(tmp_path / "landing"), "raw_uri": str(tables["raw"]), **days}
    clean = {
        "raw_uri": str(tables["raw"]),
        "cleaned_uri": str(tables["cleaned"]),
        "quarantine_uri": str(tables["quarantine"]),
        "business_timezone": BUSINESS_TIMEZONE,
        **days,
    }

    kill_while_staging("ingest_sales", ingest, tables["raw"])
    ingest_sales.run(spark, ingest)
    assert staging_folders(tables["raw"]) == []
    assert [problem for day in DAYS for problem in integrity_problems(lake, day)] == []

    kill_while_staging("clean_sales", clean, tables["cleaned"])
    counts = clean_sales.run(spark, clean)
    assert staging_folders(tables["cleaned"]) == staging_folders(tables["quarantine"]) == []
    assert sum(counts.cleaned.values()) == 2000 * len(DAYS)
