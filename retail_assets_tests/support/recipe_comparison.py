"""Complete Journey in its original columns through its recipe, against the pre-converted file, day by day.

Shared by the small end-to-end test (three days) and benchmarks/recipe_real_data.py (two weeks, timed).
"""

import csv
import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from glue_scripts.recipes.loader import installed_recipes
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.settings import PROJECT_ROOT
from retail_assets.store_files.recipe_splitter import land_with_recipe
from retail_assets.store_files.splitter import land_files
from retail_assets_tests.support.dagster_cli import materialize
from retail_assets_tests.support.oracle import expected_days
from retail_assets_tests.support.warehouse_rows import warehouse_net

COMPLETE_JOURNEY = PROJECT_ROOT.parent / "shared" / "data" / "complete_journey"
CONVERTED, ORIGINAL = COMPLETE_JOURNEY / "sales_2017.csv", COMPLETE_JOURNEY / "transactions_original.csv"
TIMEZONE = "America/New_York"


def lines_of_days(folder: Path, days: list[str]) -> tuple[Path, Path]:
    """Both files cut to the lines of the days, each line as it is (the files list the same sales in the same order)."""
    zone, wanted = ZoneInfo(TIMEZONE), set(days)
    converted, original = (
        CONVERTED.read_text().splitlines(keepends=True),
        ORIGINAL.read_text().splitlines(keepends=True),
    )
    kept = [0]  # the headers
    for index, (sale, line) in enumerate(zip(converted, original, strict=True)):
        sale_fields, line_fields = next(csv.reader([sale])), next(csv.reader([line]))
        if index and (sale_fields[0], sale_fields[3]) != (line_fields[2], line_fields[3]):
            raise AssertionError(f"the files differ at line {index + 1}: {sale!r} against {line!r}")
        if index and datetime.fromisoformat(sale_fields[1]).astimezone(zone).date().isoformat() in wanted:
            kept.append(index)
    folder.mkdir(parents=True)
    cut = folder / CONVERTED.name, folder / ORIGINAL.name
    cut[0].write_text("".join(converted[index] for index in kept))
    cut[1].write_text("".join(original[index] for index in kept))
    return cut


def compare_through_recipe(home: Path, postgres_url: str, days: list[str]) -> dict[str, dict]:
    """Land the days of both files, run the original's through the pipeline, assert it matches; figures per day."""
    converted, original = lines_of_days(home / "files", days)
    land_files([converted], home / "converted" / "landing", TIMEZONE)
    land_with_recipe([original], installed_recipes()["complete_journey"], home / "original" / "landing", TIMEZONE)
    for landing in (home / "converted" / "landing", home / "original" / "landing"):
        for folder in (landing / "sales").iterdir():
            if folder.name not in days:  # a day's first or last lines may fall on a neighbouring day in UTC
                shutil.rmtree(folder)
    # The pre-converted file's fate, day by day, computed independently of the pipeline.
    expected = expected_days(home / "converted" / "landing", TIMEZONE, days)
    # The sales chain into PostgreSQL (quarantine/sales comes with cleaned/sales): the reports are left out.
    materialize(
        home / "original", TIMEZONE, postgres_url, days[0], days[-1], select="*aurora/daily_sales,quarantine/sales"
    )
    lake = LocalLake(landing_root=str(home / "original" / "landing"), lake_root=str(home / "original" / "lake"))
    landed = lake.rows_per_day("raw", "sales", days)
    cleaned = lake.rows_per_day("cleaned", "sales", days)
    quarantined = lake.rows_per_day("quarantine", "sales", days)
    reasons = Counter(
        (row["business_date"], row["reason"])
        for row in lake.read_days("quarantine", "sales", days, ["business_date", "reason"]).to_pylist()
    )
    net = warehouse_net(postgres_url, days)
    for day in days:
        assert landed[day] == expected[day]["landed"] == cleaned[day] + quarantined[day], day
        assert cleaned[day] == expected[day]["kept"], day
        assert {reason: n for (d, reason), n in reasons.items() if d == day} == dict(expected[day]["reasons"]), day
        assert net[day] == expected[day]["net"], day
    return {
        day: {"landed": landed[day], "cleaned": cleaned[day], "quarantined": quarantined[day]}
        | {"net_revenue": sum(net[day].values())}
        for day in days
    }
