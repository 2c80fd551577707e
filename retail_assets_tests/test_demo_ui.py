"""`retail-assets demo` as a newcomer runs it, then what the instance, the sensor and the UI make of it.

One demo run (three generated days as one ranged run, then one broken day) feeds every test here: the calm
terminal, the per-day figures on each partition, one check evaluation per day with none left PLANNED, the sensor
requesting nothing for what the demo did, and the lineage and partition pages in headless Chromium.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from retail_assets.cli.broken_day import BROKEN_FILE
from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.assets.cleaned import CLEANED_SALES, QUARANTINE_SALES
from retail_assets.defs.assets.final import FINAL_DAILY_SALES
from retail_assets.defs.assets.raw import RAW_SALES
from retail_assets.defs.checks import ALL_CHECKS
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.settings import PROJECT_ROOT
from retail_assets_tests.support import dagster_dev
from retail_assets_tests.support.browser import browser_page
from retail_assets_tests.support.landing_stores import Ticker

DAYS = 3
ROWS_PER_DAY = 200
ZONES = ["landing", "raw", "cleaned", "quarantine", "final", "aurora"]
LAYERS = [RAW_SALES, CLEANED_SALES, QUARANTINE_SALES, FINAL_DAILY_SALES, AURORA_DAILY_SALES]
# Queue runs but launch none: what the UI test looks at is whether the sensor asks for any.
INSTANCE_YAML = "concurrency:\n  runs:\n    max_concurrent_runs: 0\ntelemetry:\n  enabled: false\n"
# Set to a folder to keep a copy of the browser test's screenshots there too.
SCREENSHOT_COPY_ENV = "RETAIL_SCREENSHOT_COPY_DIR"


@dataclass(frozen=True)
class Demo:
    """What one demo run left behind."""

    home: Path
    env: dict[str, str]
    stdout: str
    days: list[str]
    broken_day: str

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home / "dagster"))

    def lake(self) -> LocalLake:
        return LocalLake(landing_root=str(self.home / "landing"), lake_root=str(self.home / "lake"))

    def run_id(self, which: str) -> str:
        """The run id the demo printed for 'The week' or 'The broken day'."""
        return re.search(rf"{which}[^\n]*: run ([0-9a-f-]{{36}})", self.stdout).group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, postgres_url) -> Demo:
    home = tmp_path_factory.mktemp("demo")
    (home / "dagster").mkdir()
    (home / "dagster" / "dagster.yaml").write_text(INSTANCE_YAML)
    env = {
        **os.environ,
        "RETAIL_ENV": "local",
        "RETAIL_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "RETAIL_DATABASE_URL": postgres_url,
        "RETAIL_TIMEZONE": "UTC",
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    command = [sys.executable, "-m", "retail_assets.cli.main", "demo", "--days", str(DAYS)]
    result = subprocess.run(
        [*command, "--rows-per-day", str(ROWS_PER_DAY)],
        check=False,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    # The days the demo itself chose (its "yesterday" may be another day than the test's when it runs past midnight).
    first, last = re.search(r"generated \d+ days \((\S+)\.\.\.(\S+)\)", result.stdout).groups()
    end = date.fromisoformat(last)
    days = [(end - timedelta(days=back)).isoformat() for back in reversed(range(DAYS))]
    assert days[0] == first
    broken = (end - timedelta(days=DAYS)).isoformat()
    return Demo(home, env, result.stdout + result.stderr, days, broken)


def test_the_terminal_shows_steps_summary_and_the_log_path_only(demo):
    log_path = Path(re.search(r"Dagster's event log and Spark's console: (\S+)", demo.stdout).group(1))
    assert log_path.parent == demo.home / "logs"
    log = log_path.read_text(errors="replace")
    assert "ASSET_CHECK_EVALUATION" in log and "STEP_START" in log  # Dagster's event log went to the file
    for noise in (" - DEBUG - ", "ASSET_CHECK_EVALUATION", "[Stage", "Warning"):
        assert noise not in demo.stdout, noise
    for step in ("raw/sales", "cleaned_sales", "final/daily_sales", "aurora/daily_sales"):
        assert f"✓ {step}" in demo.stdout, step
    assert "✓ raw/sales: landed_rows_usual" in demo.stdout
    assert "blocked, never started: aurora/daily_sales, final/daily_sales and their 4 checks" in demo.stdout
    assert "make ui" in demo.stdout


def test_every_check_passes_on_the_demo_days(demo):
    table = demo.stdout[demo.stdout.index("check  ") : demo.stdout.index("The broken day")]
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    assert {row[0] for row in rows} == {key.name for checks in ALL_CHECKS for key in checks.check_keys}
    assert len(rows) == len(ALL_CHECKS) and all(row[-1] == "passed" and row[-2] == str(DAYS) for row in rows), table


def test_each_day_has_its_own_figures_and_the_per_day_table(demo):
    lake = demo.lake()
    with demo.instance() as instance:
        for asset_key in LAYERS:
            for day in demo.days:
                records = instance.fetch_materializations(
                    dg.AssetRecordsFilter(asset_key, asset_partitions=[day]), limit=1
                ).records
                metadata = records[0].asset_materialization.metadata
                assert {"dagster/table_name", "dagster/uri", "dagster/row_count"} <= set(metadata), asset_key
                table = metadata["days"]
                assert isinstance(table, dg.TableMetadataValue)
                assert [record.data["day"] for record in table.records] == demo.days
                if asset_key != AURORA_DAILY_SALES:
                    zone, name = asset_key.path
                    assert metadata["dagster/row_count"].value == lake.rows_per_day(zone, name, [day])[day]
                if asset_key == RAW_SALES:  # its landing objects, not the whole run's
                    objects = metadata["objects"].data
                    assert {Path(obj["object"]).parent.name for obj in objects} == {day}
                    assert [obj["day"] for obj in objects] == [day] * metadata["landing_objects"].value
                    assert len(objects) == len(lake.landing_objects(day)) > 0
        cleaned = instance.fetch_materializations(
            dg.AssetRecordsFilter(CLEANED_SALES, asset_partitions=[demo.days[0]]), limit=1
        ).records[0]
        own = cleaned.asset_materialization.metadata
        assert own["day"].value == demo.days[0]
        assert own["rows_quarantined"].value == lake.rows_per_day("quarantine", "sales", [demo.days[0]])[demo.days[0]]
        assert "rows_by_day" not in own and "reasons_by_day" not in own  # the table replaced the JSON maps


def test_every_check_has_one_evaluation_per_day_and_none_stays_planned(demo):
    week = demo.run_id("The week")
    with demo.instance() as instance:
        for checks in ALL_CHECKS:
            for key in checks.check_keys:
                records = [
                    record
                    for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
                    if record.run_id == week
                ]
                assert sorted(record.partition for record in records) == demo.days, key
                assert {record.status.value for record in records} == {"SUCCEEDED"}, key


def test_the_broken_day_is_blocked_by_its_own_failed_evaluation(demo):
    with demo.instance() as instance:
        key = dg.AssetCheckKey(CLEANED_SALES, "quarantine_rate")
        (record,) = [
            record
            for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
            if record.run_id == demo.run_id("The broken day")
        ]
        assert record.partition == demo.broken_day and record.status.value == "FAILED"
        assert not instance.fetch_materializations(
            dg.AssetRecordsFilter(FINAL_DAILY_SALES, asset_partitions=[demo.broken_day]), limit=1
        ).records


def test_the_sensor_requests_nothing_after_the_demo_then_only_a_changed_day(demo):
    with demo.instance() as instance:
        ticker = Ticker(demo.lake(), instance=instance)
        assert ticker.tick() == {}  # the demo's days and the broken day: raw already read these objects
        changed = demo.home / "landing" / "sales" / demo.days[1] / BROKEN_FILE
        changed.write_text("transaction_id,sold_at,store_id,product_id,quantity,unit_price\n")
        assert list(ticker.tick()) == [demo.days[1]]
        changed.unlink()


def test_the_ui_shows_the_zones_every_asset_and_a_days_own_figures(demo, tmp_path):
    port = dagster_dev.free_port()
    env = {**demo.env, "RETAIL_TRIGGER": "sensor", "RETAIL_SENSOR_INTERVAL_SECONDS": "5"}
    runs_before = len(demo_runs(demo))
    log = tmp_path / "dagster_dev.log"
    process = dagster_dev.start(env, log, port=port)
    try:
        base = f"http://127.0.0.1:{port}"
        dagster_dev.wait_for(lambda: responds(f"{base}/server_info"), 180, "dagster dev answering", log)
        with browser_page(allow_hosts=("127.0.0.1",), viewport=(1600, 1000)) as opened:
            lineage_page(opened.page, base, tmp_path)
            partition_page(opened.page, base, tmp_path, demo)
        time.sleep(10)  # two sensor intervals more, so that its first pass has happened
    finally:
        dagster_dev.stop(process)
        copy_screenshots(tmp_path)
    assert len(demo_runs(demo)) == runs_before, "the sensor requested runs for days the demo had done"


def copy_screenshots(tmp_path: Path) -> None:
    """Copy the screenshots taken, passed or failed, to RETAIL_SCREENSHOT_COPY_DIR when it is set."""
    copy_to = os.environ.get(SCREENSHOT_COPY_ENV)
    if copy_to:
        Path(copy_to).mkdir(parents=True, exist_ok=True)
        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, copy_to)


def lineage_page(page, base: str, tmp_path: Path) -> Path:
    """The global lineage: every zone's group and every asset on it."""
    shot = tmp_path / "lineage.png"
    try:
        # The UI keeps polling, so the network never goes idle: wait for what the graph draws instead.
        page.goto(f"{base}/asset-groups", wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector("text=quarantine", timeout=180_000)  # the code locations may still be loading
        skip_onboarding(page)
        # 1.13 draws the global lineage with every group collapsed: Alt+E ("Expand all groups") shows the assets.
        page.keyboard.press("Alt+e")
        page.wait_for_selector("text=daily_sales", timeout=60_000)
        text = page.inner_text("body")
    finally:
        page.screenshot(path=str(shot), full_page=True)  # also when it failed: what the page showed
    for zone in ZONES:
        assert zone in text, zone
    assert text.count("daily_sales") >= 2 and text.count("sales") >= 6
    return shot


def skip_onboarding(page) -> None:
    """Close the "Join the Dagster community" dialog a fresh instance opens over the first page."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # imported where the browser is, as browser.py

    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=10_000)
    except PlaywrightTimeout:
        return  # not shown (already dismissed in this browser)
    skip.click()


def partition_page(page, base: str, tmp_path: Path, demo: Demo) -> Path:
    """cleaned/sales's page for one day: that day's own counts."""
    day = demo.days[0]
    rows = demo.lake().rows_per_day("quarantine", "sales", [day])[day]
    shot = tmp_path / "partition.png"
    try:
        page.goto(f"{base}/assets/cleaned/sales?view=partitions&partition={day}", wait_until="domcontentloaded")
        page.wait_for_selector("text=rows_quarantined", timeout=120_000)
        text = page.inner_text("body")
    finally:
        page.screenshot(path=str(shot), full_page=True)
    assert day in text and "rows_quarantined" in text and "top_reasons" in text and str(rows) in text
    return shot


def demo_runs(demo: Demo) -> list[dg.DagsterRun]:
    """Every run the instance holds, queued ones included."""
    with demo.instance() as instance:
        return list(instance.get_runs())


def responds(url: str) -> bool:
    """Whether url answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
