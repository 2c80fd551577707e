"""The demo's step labels: a step key as people read it."""

from retail_assets.cli.step_progress import step_label
from retail_assets.defs.checks import ALL_CHECKS

CHECK_NAMES = frozenset(key.name for checks in ALL_CHECKS for key in checks.check_keys)


def test_an_asset_step_reads_as_its_key():
    assert step_label("raw__sales", CHECK_NAMES) == "raw/sales"


def test_a_check_step_reads_as_its_asset_and_check():
    assert step_label("raw__sales_landed_rows_usual", CHECK_NAMES) == "raw/sales: landed_rows_usual"


def test_a_check_whose_name_ends_like_another_keeps_its_whole_name():
    assert {"daily_sales_model", "aurora_daily_sales_model"} <= CHECK_NAMES
    label = step_label("aurora__daily_sales_aurora_daily_sales_model", CHECK_NAMES)
    assert label == "aurora/daily_sales: aurora_daily_sales_model"
