"""`sources list`, `sources check RECIPE FILE` and `land --source RECIPE FILE...` (split by the mapped business date)."""

import csv
import io
from datetime import date

import pytest

from glue_scripts.recipes.loader import installed_recipes
from glue_scripts.recipes.mapping import map_object
from retail_assets.cli.main import main
from retail_assets.settings import PROJECT_ROOT
from retail_assets.store_files.recipe_splitter import land_with_recipe
from retail_assets.store_files.splitter import LandingError, land_files
from retail_assets_tests.support.recipe_feeds import LEGACY_TEXT, POS_EXPORT, TILL_EXPORT

COMPLETE_JOURNEY = PROJECT_ROOT.parent / "shared" / "data" / "complete_journey"
TIMEZONE = "America/New_York"


def test_sources_list_shows_the_installed_recipes(capsys):
    assert main(["sources", "list"]) == 0
    out = capsys.readouterr().out
    recipe = installed_recipes()["complete_journey"]
    assert "complete_journey         sales/<day>/complete_journey/*.csv" in out and recipe.sha256[:12] in out


def test_sources_check_counts_rows_and_shows_the_first_failures_with_lines_and_steps(tmp_path, capsys):
    recipe_path = tmp_path / "pos_export.yaml"
    recipe_path.write_text(POS_EXPORT.recipe_yaml)
    feed = tmp_path / POS_EXPORT.file_name
    feed.write_bytes(POS_EXPORT.content)
    assert main(["sources", "check", str(recipe_path), str(feed)]) == 1
    out = capsys.readouterr().out
    assert f"on {feed}: 4 rows, 3 map, 1 fail" in out
    assert "  recipe:pos_export:timestamps: 1" in out
    assert "  line 5: step timestamps: '13/45/2024 9:00' matches none of the formats ['%m/%d/%Y %H:%M']" in out


def test_sources_check_refuses_a_broken_recipe_naming_file_and_key(tmp_path, capsys):
    recipe_path = tmp_path / "pos_export.yaml"
    recipe_path.write_text(POS_EXPORT.recipe_yaml.replace("latin-1", "latin-99"))
    assert main(["sources", "check", str(recipe_path), str(tmp_path / "any.csv")]) == 2
    assert f"{recipe_path}: format.encoding: " in capsys.readouterr().err


@pytest.mark.parametrize("feed", [TILL_EXPORT, LEGACY_TEXT], ids=lambda feed: feed.file_name)
def test_a_split_keeps_the_bytes_of_every_record_and_the_leading_lines(feed, tmp_path):
    recipe = feed.recipe(tmp_path)
    source = tmp_path / feed.file_name
    # Rows failing a later step still have a business day; only rows without one cannot be split.
    rows = [row for row in map_object(recipe, feed.content) if row.failed_step not in ("timestamps", "format")]
    keep = {row.line_number for row in rows} | {1}
    encoding = recipe.spec.format.encoding
    lines = io.StringIO(feed.content.decode(encoding), newline="").readlines()
    source.write_bytes("".join(line for number, line in enumerate(lines, 1) if number in keep).encode(encoding))
    report = land_with_recipe([source], recipe, tmp_path / "landing", TIMEZONE)
    (landed,) = report.objects
    assert landed.key == f"sales/2024-03-10/{recipe.key_in_day(feed.file_name)}" and landed.rows == len(rows)
    assert (tmp_path / "landing" / landed.key).read_bytes() == source.read_bytes()


def test_a_row_without_a_business_day_lands_nothing(tmp_path):
    recipe = POS_EXPORT.recipe(tmp_path)
    source = tmp_path / POS_EXPORT.file_name
    source.write_bytes(POS_EXPORT.content)
    with pytest.raises(LandingError, match=r"line 5: recipe pos_export, step timestamps: .* business day is unknown"):
        land_with_recipe([source], recipe, tmp_path / "landing", TIMEZONE)
    assert not (tmp_path / "landing").exists()


def test_a_file_the_recipe_does_not_apply_to_is_refused(tmp_path):
    recipe = POS_EXPORT.recipe(tmp_path)
    source = tmp_path / "export.csv"
    source.write_bytes(POS_EXPORT.content)
    with pytest.raises(LandingError, match=r"applies to files named 'pos_\*.csv', so ingest would skip it"):
        land_with_recipe([source], recipe, tmp_path / "landing", TIMEZONE)


def test_land_source_needs_an_installed_recipe(tmp_path, capsys):
    recipe_path = tmp_path / "pos_export.yaml"
    recipe_path.write_text(POS_EXPORT.recipe_yaml)
    code = main(["land", "--source", str(recipe_path), str(tmp_path / "pos_1.csv"), "--landing-root", str(tmp_path)])
    assert code == 2 and "not installed in glue_scripts/recipes/library/" in capsys.readouterr().err


def test_the_complete_journey_file_splits_like_the_pre_converted_one(tmp_path, capsys):
    original, converted = COMPLETE_JOURNEY / "transactions_original.csv", COMPLETE_JOURNEY / "sales_2017.csv"
    landing = tmp_path / "landing"
    command = ["land", "--source", "complete_journey", str(original), "--landing-root", str(landing)]
    assert main([*command, "--timezone", TIMEZONE]) == 0
    assert "landed 75,000 rows from 1 files as 364 objects" in capsys.readouterr().out
    by_recipe = land_with_recipe([original], installed_recipes()["complete_journey"], tmp_path / "again", TIMEZONE)
    reference = land_files([converted], tmp_path / "reference", TIMEZONE)
    assert by_recipe.rows_per_day() == reference.rows_per_day()
    day = landing / "sales" / "2017-03-12" / "complete_journey" / "transactions_original.csv"
    header, *records = day.read_bytes().splitlines(keepends=True)
    assert header == original.read_bytes().splitlines(keepends=True)[0]
    original_records = set(original.read_bytes().splitlines(keepends=True)[1:])
    assert records and all(record in original_records for record in records)
    assert len(records) == reference.rows_per_day()[date(2017, 3, 12)]
    assert [row["basket_id"] for row in csv.DictReader(io.StringIO(day.read_text()))] == [
        row["transaction_id"]
        for row in csv.DictReader(io.StringIO((tmp_path / "reference/sales/2017-03-12/sales_2017.csv").read_text()))
    ]
