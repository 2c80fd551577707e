"""End to end on the local default, through Dagster's own CLI: landing files to retail.daily_sales."""

import shutil
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.settings import PROJECT_ROOT
from retail_assets.store_files.generator import generate_landing
from retail_assets.store_files.splitter import land_files
from retail_assets.warehouse.loader import table_rows
from retail_assets_tests.support.dagster_cli import materialize
from retail_assets_tests.support.oracle import expected_days
from retail_assets_tests.support.warehouse_rows import warehouse_net

REAL_SALES = PROJECT_ROOT.parent / "shared" / "data" / "complete_journey" / "sales_2017.csv"
SYNTHETIC_DAYS = ["2024-03-08", "2024-03-09", "2024-03-10"]
REAL_DAYS = [f"2017-03-{day:02d}" for day in range(5, 19)]  # two weeks around the 2017-03-12 DST change


def assert_matches_oracle(home: Path, timezone: str, database_url: str, days: list[str]) -> None:
    """Per day: landed = cleaned + quarantined, and every number equals the independent computation."""
    lake = LocalLake(landing_root=str(home / "landing"), lake_root=str(home / "lake"))
    expected = expected_days(home / "landing", timezone, days)
    landed = lake.rows_per_day("raw", "sales", days)
    cleaned = lake.rows_per_day("cleaned", "sales", days)
    quarantined = lake.rows_per_day("quarantine", "sales", days)
    reasons = lake.read_days("quarantine", "sales", days, columns=["reason", "business_date"]).to_pylist()
    net = warehouse_net(database_url, days)
    for day in days:
        assert landed[day] == cleaned[day] + quarantined[day] == expected[day]["landed"], day
        assert cleaned[day] == expected[day]["kept"], day
        day_reasons = defaultdict(int)
        for row in reasons:
            if row["business_date"] == day:
                day_reasons[row["reason"]] += 1
        assert dict(day_reasons) == dict(expected[day]["reasons"]), day
        assert net[day] == {key: value for key, value in expected[day]["net"].items()}, day


@pytest.fixture(scope="module")
def synthetic_home(tmp_path_factory, postgres_url):
    """Three generated days materialized as one run."""
    home = tmp_path_factory.mktemp("synthetic")
    generate_landing(home / "landing", date(2024, 3, 8), 3, seed=7, timezone="UTC", rows_per_day=400)
    materialize(home, "UTC", postgres_url, SYNTHETIC_DAYS[0], SYNTHETIC_DAYS[-1])
    return home


def test_three_days_as_one_run_match_the_landing_files(synthetic_home, postgres_url):
    assert_matches_oracle(synthetic_home, "UTC", postgres_url, SYNTHETIC_DAYS)


def test_second_run_leaves_postgres_identical(synthetic_home, postgres_url):
    days = [date.fromisoformat(day) for day in SYNTHETIC_DAYS]
    before = table_rows(postgres_url, days)
    materialize(synthetic_home, "UTC", postgres_url, SYNTHETIC_DAYS[0], SYNTHETIC_DAYS[-1])
    assert table_rows(postgres_url, days) == before
    assert_matches_oracle(synthetic_home, "UTC", postgres_url, SYNTHETIC_DAYS)  # the lake was replaced, not appended


def test_changed_landing_file_replaces_its_day(synthetic_home, postgres_url):
    day = SYNTHETIC_DAYS[1]
    folder = synthetic_home / "landing" / "sales" / day
    csv_file = next(path for path in sorted(folder.iterdir()) if path.name.endswith(".csv"))
    lines = csv_file.read_text().splitlines(keepends=True)
    csv_file.write_text("".join(lines[: len(lines) // 2]))  # the store re-uploads half of its file
    others = [date.fromisoformat(d) for d in SYNTHETIC_DAYS if d != day]
    untouched = table_rows(postgres_url, others)
    materialize(synthetic_home, "UTC", postgres_url, day, day)
    assert_matches_oracle(synthetic_home, "UTC", postgres_url, [day])
    assert table_rows(postgres_url, others) == untouched


def test_a_day_with_30_percent_bad_rows_stops_before_aurora(synthetic_home, postgres_url):
    day = SYNTHETIC_DAYS[2]
    good_version = table_rows(postgres_url, [date.fromisoformat(day)])
    landed = expected_days(synthetic_home / "landing", "UTC", [day])[day]["landed"]
    bad_rows = "".join(f"b{n},{day}T10:00:00Z,s1,p1,0,1.00\n" for n in range(landed // 2))
    (synthetic_home / "landing" / "sales" / day / "bad_store.csv").write_text(
        "transaction_id,sold_at,store_id,product_id,quantity,unit_price\n" + bad_rows
    )
    output = materialize(synthetic_home, "UTC", postgres_url, day, day, succeeds=False)
    assert "blocking asset check failed" in output and "quarantine_rate" in output
    assert "Dependencies for step final__daily_sales failed" in output
    assert table_rows(postgres_url, [date.fromisoformat(day)]) == good_version


def test_real_sales_two_weeks_across_dst_to_the_cent(tmp_path, postgres_url):
    home = tmp_path / "real"
    land_files([REAL_SALES], home / "landing", "America/New_York")
    # Keep only the two weeks under test, so that the oracle and the run read the same objects.
    for folder in (home / "landing" / "sales").iterdir():
        if folder.name not in REAL_DAYS:
            shutil.rmtree(folder)
    materialize(home, "America/New_York", postgres_url, REAL_DAYS[0], REAL_DAYS[-1])
    assert_matches_oracle(home, "America/New_York", postgres_url, REAL_DAYS)
    daily = {day: sum(values.values(), Decimal(0)) for day, values in warehouse_net(postgres_url, REAL_DAYS).items()}
    assert set(daily) == set(REAL_DAYS)
    assert all(value > 0 for value in daily.values())
