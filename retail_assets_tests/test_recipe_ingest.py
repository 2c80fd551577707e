"""Feeds in their sources' own formats through the real ingest and clean jobs with their recipes, to the cent."""

from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest

from glue_scripts import clean_sales, ingest_sales
from glue_scripts.sales_contract import RECIPE, RECIPE_ERROR, RECIPE_SHA256, SOURCE_RECORD
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.recipe_feeds import DAY, FEEDS, POS_EXPORT, TILL_EXPORT

CONTRACT_FILE = "transaction_id,sold_at,store_id,product_id,quantity,unit_price\nK1,2024-03-10T10:00:00,s1,p1,2,1.25\n"


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    """The three feeds and one contract file landed for DAY, ingested with their recipes, then cleaned."""
    tmp = tmp_path_factory.mktemp("recipes")
    recipes = {}
    for feed in FEEDS:
        recipe = feed.recipe(tmp)
        recipes[recipe.name] = recipe
        target = tmp / "landing" / "sales" / DAY / recipe.key_in_day(feed.file_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(feed.content)
    (tmp / "landing" / "sales" / DAY / "store_k.csv").write_text(CONTRACT_FILE)
    days = {"start_date": DAY, "end_date": DAY}
    ingest = {"JOB_NAME": "ingest_sales", "landing_uri": str(tmp / "landing"), "raw_uri": str(tmp / "raw"), **days}
    summary = ingest_sales.run(spark, ingest, recipes)
    uris = {name: str(tmp / name) for name in ("raw", "cleaned", "quarantine")}
    clean = {"JOB_NAME": "clean_sales", "business_timezone": BUSINESS_TIMEZONE, **days}
    counts = clean_sales.run(spark, {**clean, **{f"{name}_uri": uri for name, uri in uris.items()}})
    tables = {name: [row.asDict() for row in spark.read.parquet(uri).collect()] for name, uri in uris.items()}
    return summary, counts, tables, recipes


def by_object(rows: list[dict], name: str) -> list[dict]:
    return [row for row in rows if Path(row["_source_object"]).name == name]


def test_landed_is_cleaned_plus_quarantined(lake):
    summary, counts, tables, _ = lake
    expected = sum(len(feed.line_amounts) + len(feed.quarantined) for feed in FEEDS) + 1
    assert summary["rows_by_day"] == {DAY: expected} == counts.landed
    assert counts.landed[DAY] == counts.cleaned[DAY] + counts.quarantined[DAY]
    assert len(tables["cleaned"]) + len(tables["quarantine"]) == len(tables["raw"]) == expected


@pytest.mark.parametrize("feed", FEEDS, ids=lambda feed: feed.file_name)
def test_every_feed_is_cleaned_to_the_cent_and_quarantined_with_its_recipe_step(lake, feed):
    _, _, tables, _ = lake
    cleaned = {row["transaction_id"]: row["line_amount"] for row in by_object(tables["cleaned"], feed.file_name)}
    assert cleaned == feed.line_amounts
    quarantined = {row["_line_number"]: row["reason"] for row in by_object(tables["quarantine"], feed.file_name)}
    assert quarantined == feed.quarantined


def test_raw_records_the_recipe_and_keeps_the_record_as_it_landed(lake):
    _, _, tables, recipes = lake
    (row,) = [row for row in by_object(tables["raw"], POS_EXPORT.file_name) if row["_line_number"] == 2]
    assert row[RECIPE] == "pos_export" and row[RECIPE_SHA256] == recipes["pos_export"].sha256
    assert row[SOURCE_RECORD] == "536365;85123A;CRÈME BRÛLÉE SET;6;3/10/2024 8:26;2,55;17850"
    assert row["unit_price"] == "2.55" and row["sold_at"] == "2024-03-10T08:26:00+00:00"
    (contract_row,) = by_object(tables["raw"], "store_k.csv")
    assert contract_row[RECIPE] is None and contract_row["unit_price"] == "1.25"


def test_a_quarantined_row_keeps_its_record_and_the_recipe_error(lake):
    _, _, tables, _ = lake
    (row,) = [row for row in by_object(tables["quarantine"], TILL_EXPORT.file_name) if row["_line_number"] == 4]
    assert row["reason"] == "recipe:till_export:columns.category"
    assert row[SOURCE_RECORD] == "3\t0003\t2024-03-10\ts9\tA3\tX\t1\t1.00\tN"
    assert row[RECIPE_ERROR] == "'X' is not a key of the value map ['G', 'P']"


def test_sold_at_in_the_source_zone_is_converted_to_the_business_zone(lake):
    _, _, tables, _ = lake
    # Cleaned holds instants (PySpark collects them as the machine's wall time) on their New York business day.
    sold = {row["transaction_id"]: (row["sold_at"].astimezone(UTC), row["business_date"]) for row in tables["cleaned"]}
    sold = {key: (moment.isoformat(), day) for key, (moment, day) in sold.items()}
    assert sold["536366"] == (
        "2024-03-11T02:30:00+00:00",
        DAY,
    )  # 02:30 London on the 11th is 22:30 on the 10th in New York
    assert sold["L-100"] == ("2024-03-10T05:30:00+00:00", DAY)  # 23:30 in Chicago on the 9th is 00:30 on the 10th (EST)
    assert sold["3-0001"] == ("2024-03-10T16:00:00+00:00", DAY)  # the default time, 12:00 in the business zone (EDT)
    assert {row["transaction_id"]: row["unit_price"] for row in tables["cleaned"]}["3-0005"] == Decimal("0.0001")
