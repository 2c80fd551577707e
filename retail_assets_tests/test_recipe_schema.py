"""The recipe schema: a valid recipe loads; each kind of mistake is refused naming the file and the key."""

import hashlib
from pathlib import Path

import pytest

from glue_scripts.recipes.loader import RecipeError, installed_recipes, load_recipe, parse_recipe, recipe_for

VALID = """\
name: pos_feed
applies_to: {folder: pos, pattern: "pos_*.csv"}
format: {kind: csv, delimiter: ";", encoding: latin-1, decimal_comma: true}
columns:
  transaction_id: {from: InvoiceNo}
  sold_at: {from: InvoiceDate}
  store_id: {constant: "store-7"}
  product_id: {from: StockCode}
  quantity: {from: Quantity}
  unit_price: {from: UnitPrice}
timestamps: {formats: ["%m/%d/%Y %H:%M"], timezone: Europe/London}
returns: {by_prefix: {field: InvoiceNo, prefix: C}}
"""


def write(tmp_path: Path, text: str, name: str = "pos_feed") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def refused(tmp_path: Path, old: str, new: str) -> RecipeError:
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    assert str(caught.value).startswith(f"{path}: {caught.value.key}: ")
    return caught.value


def test_a_valid_recipe_loads_with_its_name_and_content_hash(tmp_path):
    path = write(tmp_path, VALID)
    recipe = load_recipe(path)
    assert recipe.name == "pos_feed"
    assert recipe.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert recipe.spec.format.delimiter == ";" and recipe.spec.format.decimal_comma
    assert recipe.spec.columns["store_id"].constant == "store-7"
    assert recipe.applies_to("pos/pos_0001.csv") and not recipe.applies_to("pos_0001.csv")
    assert not recipe.applies_to("pos/other.csv") and recipe.key_in_day("pos_1.csv") == "pos/pos_1.csv"


def test_an_unknown_contract_column_is_refused(tmp_path):
    error = refused(
        tmp_path, "  unit_price: {from: UnitPrice}", "  unit_price: {from: UnitPrice}\n  unit_prise: {from: X}"
    )
    assert error.key == "columns.unit_prise" and "unknown column" in error.problem


def test_an_unknown_source_column_is_refused_when_the_format_declares_its_columns(tmp_path):
    headerless = "format: {kind: csv, header: false, columns: [InvoiceNo, InvoiceDate, StockCode, Quantity, Price]}"
    error = refused(tmp_path, 'format: {kind: csv, delimiter: ";", encoding: latin-1, decimal_comma: true}', headerless)
    assert error.key == "columns.unit_price" and "unknown column 'UnitPrice'" in error.problem


def test_a_bad_format_string_is_refused(tmp_path):
    error = refused(tmp_path, '"%m/%d/%Y %H:%M"', '"%m/%d/%Y %H:%Q"')
    assert error.key == "timestamps.formats[0]" and "%Q" in error.problem


def test_a_format_without_a_day_is_refused(tmp_path):
    error = refused(tmp_path, '"%m/%d/%Y %H:%M"', '"%m/%Y %H:%M"')
    assert error.key == "timestamps.formats[0]" and "needs a year, a month and a day" in error.problem


def test_a_date_only_format_needs_a_default_time(tmp_path):
    error = refused(tmp_path, '"%m/%d/%Y %H:%M"', '"%Y%m%d"')
    assert error.key == "timestamps" and "default_time" in error.problem


def test_an_unknown_encoding_is_refused(tmp_path):
    error = refused(tmp_path, "encoding: latin-1", "encoding: latin-9x")
    assert error.key == "format.encoding" and "unknown encoding 'latin-9x'" in error.problem


def test_an_unknown_time_zone_is_refused(tmp_path):
    error = refused(tmp_path, "timezone: Europe/London", "timezone: Europe/Londn")
    assert error.key == "timestamps.timezone" and "not an IANA timezone" in error.problem


def test_a_required_contract_column_left_unmapped_is_refused(tmp_path):
    error = refused(tmp_path, "  quantity: {from: Quantity}\n", "")
    assert error.key == "columns" and "required contract column quantity is not mapped" in error.problem


def test_a_misspelt_key_is_refused_not_ignored(tmp_path):
    error = refused(tmp_path, "  product_id: {from: StockCode}", "  product_id: {frm: StockCode}")
    assert error.key == "columns.product_id.frm"


def test_a_column_rule_needs_exactly_one_source(tmp_path):
    error = refused(tmp_path, '{constant: "store-7"}', '{constant: "store-7", from: Store}')
    assert error.key == "columns.store_id" and "exactly one of" in error.problem


def test_an_unknown_format_kind_is_refused(tmp_path):
    error = refused(tmp_path, "kind: csv", "kind: xlsx")
    assert error.key == "format"


def test_a_name_other_than_the_file_stem_is_refused(tmp_path):
    path = write(tmp_path, VALID, name="other")
    with pytest.raises(RecipeError, match=r"other\.yaml: name: 'pos_feed' differs from the file name 'other'"):
        load_recipe(path)


def test_yaml_that_does_not_parse_names_the_file():
    with pytest.raises(RecipeError, match=r"^feed\.yaml: \(file\): not a YAML document"):
        parse_recipe(b"name: [unclosed", "feed.yaml")


def test_the_installed_library_loads_and_each_object_has_at_most_one_recipe():
    recipes = installed_recipes()
    assert "complete_journey" in recipes
    assert recipe_for("complete_journey/transactions_original.csv", recipes).name == "complete_journey"
    assert recipe_for("transactions_original.csv", recipes) is None
