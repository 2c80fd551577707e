"""Complete Journey in its original columns, through its recipe, gives what the pre-converted file gives."""

import shutil
from collections import Counter

from glue_scripts.recipes.loader import installed_recipes
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.store_files.recipe_splitter import land_with_recipe
from retail_assets.store_files.splitter import land_files
from retail_assets_tests.support.dagster_cli import materialize
from retail_assets_tests.support.oracle import expected_days
from retail_assets_tests.test_end_to_end import REAL_DAYS, REAL_SALES, warehouse_net

ORIGINAL = REAL_SALES.with_name("transactions_original.csv")
TIMEZONE = "America/New_York"


def keep_only(landing, days: list[str]) -> None:
    for folder in (landing / "sales").iterdir():
        if folder.name not in days:
            shutil.rmtree(folder)


def test_two_weeks_across_dst_land_clean_quarantine_and_sum_like_the_converted_file(tmp_path, postgres_url):
    converted, original = tmp_path / "converted", tmp_path / "original"
    land_files([REAL_SALES], converted / "landing", TIMEZONE)
    land_with_recipe([ORIGINAL], installed_recipes()["complete_journey"], original / "landing", TIMEZONE)
    for home in (converted, original):
        keep_only(home / "landing", REAL_DAYS)
    # The pre-converted file's fate, day by day, computed independently of the pipeline.
    expected = expected_days(converted / "landing", TIMEZONE, REAL_DAYS)
    materialize(original, TIMEZONE, postgres_url, REAL_DAYS[0], REAL_DAYS[-1])
    lake = LocalLake(landing_root=str(original / "landing"), lake_root=str(original / "lake"))
    landed = lake.rows_per_day("raw", "sales", REAL_DAYS)
    cleaned = lake.rows_per_day("cleaned", "sales", REAL_DAYS)
    quarantined = lake.rows_per_day("quarantine", "sales", REAL_DAYS)
    reasons = Counter(
        (row["business_date"], row["reason"])
        for row in lake.read_days("quarantine", "sales", REAL_DAYS, ["business_date", "reason"]).to_pylist()
    )
    net = warehouse_net(postgres_url, REAL_DAYS)
    for day in REAL_DAYS:
        assert landed[day] == expected[day]["landed"] == cleaned[day] + quarantined[day], day
        assert cleaned[day] == expected[day]["kept"], day
        assert {reason: n for (d, reason), n in reasons.items() if d == day} == dict(expected[day]["reasons"]), day
        assert net[day] == expected[day]["net"], day
    assert sum(expected[day]["landed"] for day in REAL_DAYS) > 2500
