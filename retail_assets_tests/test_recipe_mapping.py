"""The recipe steps on small files of every format, in pure Python (the functions the ingest job runs)."""

import io
import json
from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts.recipes.loader import parse_recipe
from glue_scripts.recipes.mapping import map_object
from glue_scripts.sales_contract import recipe_reason
from retail_assets_tests.support.recipe_feeds import FEEDS, LEGACY_TEXT, POS_EXPORT, TILL_EXPORT


def mapped(feed, tmp_path):
    recipe = feed.recipe(tmp_path)
    return recipe, list(map_object(recipe, feed.content))


def recipe_of(text: str):
    return parse_recipe(text.encode(), "test.yaml")


BASE = """name: t
applies_to: {pattern: "*"}
columns:
  transaction_id: {from: id}
  sold_at: {from: at}
  store_id: {constant: s1}
  product_id: {from: sku}
  quantity: {from: qty}
  unit_price: {from: price}
"""


@pytest.mark.parametrize("feed", FEEDS, ids=lambda feed: feed.file_name)
def test_every_line_maps_or_fails_with_its_step(feed, tmp_path):
    recipe, rows = mapped(feed, tmp_path)
    failed = {row.line_number: recipe_reason(recipe.name, row.failed_step) for row in rows if row.failed_step}
    assert failed == feed.quarantined
    assert all(row.failure for row in rows if row.failed_step)
    assert len(rows) == len(feed.line_amounts) + len(feed.quarantined)


def test_latin1_decimal_comma_us_dates_london_time_and_c_returns(tmp_path):
    _, rows = mapped(POS_EXPORT, tmp_path)
    first, cancel, late = (row.values for row in rows[:3])
    assert (
        first["product_name"] == "CRÈME BRÛLÉE SET" and first["unit_price"] == "2.55" and first["store_id"] == "uk-01"
    )
    assert first["sold_at"] == "2024-03-10T08:26:00+00:00"
    assert cancel["quantity"] == "-1" and cancel["transaction_id"] == "C536379"
    assert late["sold_at"] == "2024-03-11T02:30:00+00:00" and late["customer_id"] == ""
    assert rows[0].source_record == "536365;85123A;CRÈME BRÛLÉE SET;6;3/10/2024 8:26;2,55;17850"
    assert "13/45/2024 9:00" in rows[3].failure


def test_utf16_concat_value_map_derived_price_and_refund_flag(tmp_path):
    _, rows = mapped(TILL_EXPORT, tmp_path)
    values = [row.values for row in rows]
    assert values[0]["transaction_id"] == "3-0001" and values[0]["category"] == "Grocery"
    assert values[0]["unit_price"] == "3.3333" and values[0]["sold_at"] == "2024-03-10T12:00:00"
    assert values[1]["quantity"] == "-2" and values[1]["unit_price"] == "2.5050"
    assert values[4]["unit_price"] == "0.0001"  # half-up, not half-even
    assert "'X' is not a key of the value map" in rows[2].failure and "Qty is 0" in rows[3].failure


def test_whitespace_text_yyyymmdd_default_time_in_the_source_zone(tmp_path):
    _, rows = mapped(LEGACY_TEXT, tmp_path)
    assert rows[0].values["sold_at"] == "2024-03-09T23:30:00-06:00"
    assert rows[1].values["quantity"] == "-1" and rows[1].values["discount"] == "0.00"
    assert rows[3].failure == "3 fields where there are 7 columns"


def test_fixed_width_fields_are_cut_at_their_positions():
    recipe = recipe_of(
        BASE
        + """format:
  kind: fixed_width
  skip_lines: 1
  columns:
    - {name: id, start: 1, width: 6}
    - {name: at, start: 7, width: 8}
    - {name: sku, start: 15, width: 5}
    - {name: qty, start: 20, width: 4}
    - {name: price, start: 24, width: 8}
timestamps: {formats: ["%Y%m%d"], default_time: "09:00"}
"""
    )
    text = "ID    DATE    SKU  QTY PRICE\nR00001202403101234A  12  0.5000\nR0000220240310\n"
    rows = list(map_object(recipe, text.encode()))
    assert rows[0].values | {"product_name": 1} == {
        **dict.fromkeys(rows[0].values, None),
        "transaction_id": "R00001",
        "sold_at": "2024-03-10T09:00:00",
        "store_id": "s1",
        "product_id": "1234A",
        "quantity": "12",
        "unit_price": "0.5000",
        "product_name": 1,
    }
    assert rows[1].failed_step == "format" and "a column starts at 24" in rows[1].failure


def test_json_lines_fields_picked_by_nested_path_keep_their_exact_text():
    recipe = recipe_of(
        BASE.replace("{from: id}", "{from: order.id}").replace("{from: sku}", "{from: items.0.sku}")
        + "format: {kind: jsonl}\n"
    )
    line = {"order": {"id": "W1"}, "at": "2024-03-10T10:00:00Z", "items": [{"sku": "K9"}], "qty": 2, "price": 0.0002}
    rows = list(map_object(recipe, (json.dumps(line) + "\n\n" + '{"order": {"id": ["x"]}}\n' + "[1]\n").encode()))
    assert rows[0].values["transaction_id"] == "W1" and rows[0].values["product_id"] == "K9"
    assert rows[0].values["unit_price"] == "0.0002" and rows[0].values["quantity"] == "2"  # not 2.0E-4
    assert rows[1].line_number == 3 and "order.id is a JSON array" in rows[1].failure
    assert rows[2].failed_step == "format" and rows[2].failure == "not a JSON object"


def test_parquet_columns_and_struct_paths_as_text():
    recipe = recipe_of(BASE.replace("{from: sku}", "{from: item.sku}") + "format: {kind: parquet}\n")
    table = pa.table(
        {
            "id": ["P1"],
            "at": pa.array([datetime(2024, 3, 10, 15, 0)], pa.timestamp("us", tz="UTC")),
            "item": [{"sku": "Z"}],
            "qty": pa.array([3], pa.int32()),
            "price": pa.array([Decimal("1.2500")], pa.decimal128(18, 4)),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    (row,) = map_object(recipe, buffer.getvalue())
    assert row.values["sold_at"] == "2024-03-10T15:00:00+00:00" and row.values["product_id"] == "Z"
    assert row.values["quantity"] == "3" and row.values["unit_price"] == "1.2500" and row.line_number == 1


def test_a_header_without_a_column_the_recipe_reads_fails_every_row_at_the_format_step():
    recipe = recipe_of(BASE + "format: {kind: csv}\n")
    rows = list(map_object(recipe, b"id,at,sku,qty\n1,2024-03-10T10:00:00,a,1\n"))
    assert rows[0].failed_step == "format" and rows[0].failure == "the file has no column price"


def test_a_wall_time_skipped_by_dst_is_refused_in_the_source_zone():
    recipe = recipe_of(
        BASE + 'format: {kind: csv}\ntimestamps: {formats: ["%Y-%m-%d %H:%M"], timezone: America/New_York}\n'
    )
    rows = list(map_object(recipe, b"id,at,sku,qty,price\n1,2024-03-10 02:30,a,1,1\n2,2024-11-03 01:30,a,1,1\n"))
    assert rows[0].failed_step == "timestamps" and "does not exist in America/New_York" in rows[0].failure
    assert datetime.fromisoformat(rows[1].values["sold_at"]).utcoffset().total_seconds() == -4 * 3600  # first 01:30


def test_undecodable_bytes_fail_their_line_only():
    recipe = recipe_of(BASE + "format: {kind: csv}\n")
    rows = list(
        map_object(recipe, b"id,at,sku,qty,price\n1,2024-03-10T10:00:00,\xff,1,1\n2,2024-03-10T10:00:00,a,1,1\n")
    )
    assert rows[0].failed_step == "format" and "not valid utf-8" in rows[0].failure
    assert "\ufffd" in rows[0].source_record and rows[1].failed_step is None


def test_recipe_csv_follows_the_reading_rules_of_landing_csv():
    # Header names matched as the lake matches them (trimmed, any case), a field longer than Python's default
    # 128 KiB limit, and a spreadsheet's ',,,,' that is no record: the rules of glue_scripts/reading_rules.py.
    recipe = recipe_of(BASE + "format: {kind: csv}\n")
    long_name = "x" * 200_000
    data = f" ID ,At,SKU,Qty,PRICE\n1,2024-03-10T10:00:00,{long_name},1,1\n,,,,\n".encode()
    rows = list(map_object(recipe, data))
    assert len(rows) == 1 and rows[0].failed_step is None
    assert rows[0].values["product_id"] == long_name and rows[0].values["transaction_id"] == "1"


def test_recipe_json_refuses_nan_and_keeps_numbers_as_they_landed():
    recipe = recipe_of(BASE.replace("{from: price}", "{from: p.v}") + "format: {kind: jsonl}\n")
    line = '{"id": "1", "at": "2024-03-10T10:00:00", "sku": "a", "qty": 1, "p": {"v": %s}}\n'
    rows = list(map_object(recipe, (line % "1.10" + line % "NaN").encode()))
    assert rows[0].values["unit_price"] == "1.10"
    assert rows[1].failed_step == "format" and "NaN" in rows[1].failure


def test_an_unreadable_parquet_object_is_one_row_failing_the_format_step():
    recipe = recipe_of(BASE + "format: {kind: parquet}\n")
    rows = list(map_object(recipe, b"PAR1 not really parquet"))
    assert len(rows) == 1 and rows[0].failed_step == "format"
    assert "not a readable Parquet file" in rows[0].failure
