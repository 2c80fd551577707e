"""Each asset check passes on good data and fails, with the expected metadata, on data that breaks its rule."""

from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from retail_assets.defs.assets.aurora import aurora_daily_sales, rows_to_load
from retail_assets.defs.assets.cleaned import cleaned_sales
from retail_assets.defs.assets.final import final_daily_sales
from retail_assets.defs.assets.raw import raw_sales
from retail_assets.defs.checks import (
    aurora_daily_sales_model,
    aurora_reconciles_with_final,
    cleaned_sales_model,
    daily_sales_model,
    final_reconciles_with_cleaned,
    landing_day_has_objects,
    landing_schema_matches_contract,
    landing_values_parse,
    quarantine_rate,
    quarantine_sales_model,
    raw_matches_landing,
    rows_conserved,
)
from retail_assets.defs.checks.raw_checks import integrity_problems
from retail_assets.defs.resources.pipeline import PipelineSettings
from retail_assets_tests.support.lake_builders import (
    CLEANED_SCHEMA,
    FINAL_SCHEMA,
    QUARANTINE_SCHEMA,
    cleaned_row,
    final_row,
    lake_at,
    land,
    raw_row,
    raw_schema,
    write_day,
)
from retail_assets_tests.support.recipe_feeds import LEGACY_TEXT
from retail_assets_tests.support.url_warehouse import UrlWarehouse

DAY = "2024-03-02"
ASSETS = [raw_sales, cleaned_sales, final_daily_sales, aurora_daily_sales]

# What the checks are told a business day is and how much quarantine blocks (the settings' defaults).
PIPELINE = PipelineSettings(business_timezone="UTC", quarantine_error_rate=0.20)


def evaluate(check, lake, warehouse=None, days=(DAY, DAY)) -> dg.AssetCheckEvaluation:
    """Run one check alone, as Dagster runs it for a partition range, and return its evaluation."""
    result = dg.materialize(
        ASSETS + [check],
        selection=dg.AssetSelection.checks(check),
        resources={
            "lake": lake,
            "warehouse": warehouse,
            "pipeline": PIPELINE,
            "glue": None,
            "crawler": None,
            "athena": None,
        },
        tags={"dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[1]},
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def meta(evaluation: dg.AssetCheckEvaluation, key: str):
    """A metadata value's plain value."""
    value = evaluation.metadata[key]
    return getattr(value, "data", getattr(value, "value", value))


@pytest.fixture()
def lake(tmp_path: Path):
    return lake_at(tmp_path)


def test_landing_day_without_objects_warns(lake):
    land(lake, DAY, "a.csv", "x\n")
    assert evaluate(landing_day_has_objects, lake).passed
    evaluation = evaluate(landing_day_has_objects, lake, days=(DAY, "2024-03-03"))
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert meta(evaluation, "empty_days") == ["2024-03-03"]


def test_landing_values_parse_names_each_rule_and_shows_the_rows(lake):
    source = land(lake, DAY, "a.csv", "x")
    good = [raw_row(source, line) for line in range(2, 6)]
    write_day(lake, "raw", "sales", DAY, good, raw_schema())
    assert evaluate(landing_values_parse, lake).passed

    bad = [raw_row(source, 6, quantity="two"), raw_row(source, 7, unit_price="1,50"), raw_row(source, 8, store_id=" ")]
    write_day(lake, "raw", "sales", DAY, good + bad, raw_schema())
    evaluation = evaluate(landing_values_parse, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert meta(evaluation, "rules_failed") == {
        "quantity: quantity_parses": 1,
        "unit_price: money_parses": 1,
        "store_id: required_present": 1,
    }
    assert meta(evaluation, "failing_rows") == 3
    sample = evaluation.metadata["failing_rows_sample"].records
    assert sorted(record.data["quantity"] for record in sample) == ["2", "2", "two"]


def test_raw_matches_landing_until_raw_is_truncated_or_landing_changes(lake):
    source = land(lake, DAY, "a.csv", "header\nrow\n")
    path = write_day(lake, "raw", "sales", DAY, [raw_row(source, 2)], raw_schema())
    assert evaluate(raw_matches_landing, lake).passed

    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])
    evaluation = evaluate(raw_matches_landing, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "raw file unreadable" in meta(evaluation, "problems")[0]["problem"]

    write_day(lake, "raw", "sales", DAY, [raw_row(source, 2)], raw_schema())
    land(lake, DAY, "a.csv", "header\nrow changed\n")
    (problem,) = meta(evaluate(raw_matches_landing, lake), "problems")
    assert problem["object"] == f"sales/{DAY}/a.csv" and "md5" in problem["problem"]


def test_an_extra_column_warns_and_a_missing_required_column_is_an_error(lake):
    source = land(lake, DAY, "a.csv", "x")
    rows = [raw_row(source, 2, pos_register="7")]
    write_day(lake, "raw", "sales", DAY, rows, raw_schema(extra=("pos_register",)))
    evaluation = evaluate(landing_schema_matches_contract, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert meta(evaluation, "added") == ["pos_register"]

    other = land(lake, DAY, "b.csv", "y")
    rows.append(raw_row(other, 2, quantity=None))  # ingest fills a column the file lacks with nulls
    write_day(lake, "raw", "sales", DAY, rows, raw_schema(extra=("pos_register",)))
    evaluation = evaluate(landing_schema_matches_contract, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert meta(evaluation, "missing_by_object") == {other[0]: ["quantity"]}


def test_cleaned_model_catches_each_broken_rule(lake):
    good = [cleaned_row(1), cleaned_row(2, quantity=-1), cleaned_row(3, discount="0.25")]
    write_day(lake, "cleaned", "sales", DAY, good, CLEANED_SCHEMA)
    assert evaluate(cleaned_sales_model, lake).passed

    bad = [
        cleaned_row(4, quantity=0, line_amount=Decimal(0)),
        cleaned_row(5, price="-1"),
        cleaned_row(6, line_amount=Decimal("9.99")),
        cleaned_row(7, sold_at=good[0]["sold_at"].replace(day=3)),
        {**good[0]},
    ]
    write_day(lake, "cleaned", "sales", DAY, good + bad, CLEANED_SCHEMA)
    evaluation = evaluate(cleaned_sales_model, lake)
    assert not evaluation.passed
    assert meta(evaluation, "rules_failed") == {
        "quantity: not_equal_to(0)": 1,
        "unit_price: unit_price_not_negative": 1,
        "line_amount_is_quantity_times_price_less_discount": 1,
        "sold_on_its_business_date": 1,
        "no_duplicate_lines": 1,
    }
    assert meta(evaluation, "failing_rows") == 5


def test_rows_conserved_and_quarantine_rate(lake):
    source = land(lake, DAY, "a.csv", "x")
    write_day(lake, "raw", "sales", DAY, [raw_row(source, n) for n in range(10)], raw_schema())
    write_day(lake, "cleaned", "sales", DAY, [cleaned_row(n) for n in range(7)], CLEANED_SCHEMA)
    quarantined = [
        {"transaction_id": "t", "reason": "zero_quantity", "_source_object": "f", "_line_number": n} for n in range(3)
    ]
    write_day(lake, "quarantine", "sales", DAY, quarantined, QUARANTINE_SCHEMA)
    assert evaluate(rows_conserved, lake).passed
    evaluation = evaluate(quarantine_rate, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert meta(evaluation, "rate_by_day") == {DAY: 0.3}

    write_day(lake, "quarantine", "sales", DAY, quarantined[:1], QUARANTINE_SCHEMA)
    evaluation = evaluate(rows_conserved, lake)
    assert not evaluation.passed
    assert meta(evaluation, "days_failing") == {DAY: {"landed": 10, "cleaned": 7, "quarantined": 1}}
    evaluation = evaluate(quarantine_rate, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN


def test_quarantine_model_requires_a_reason_and_lineage(lake):
    rows = [{"transaction_id": "t", "reason": "duplicate", "_source_object": "f", "_line_number": 2}]
    write_day(lake, "quarantine", "sales", DAY, rows, QUARANTINE_SCHEMA)
    assert evaluate(quarantine_sales_model, lake).passed
    write_day(lake, "quarantine", "sales", DAY, rows + [{**rows[0], "reason": None}], QUARANTINE_SCHEMA)
    assert meta(evaluate(quarantine_sales_model, lake), "rules_failed") == {"reason: not_nullable": 1}
    lost = [{**rows[0], "_source_object": None}, {**rows[0], "_line_number": 0}]
    write_day(lake, "quarantine", "sales", DAY, rows + lost, QUARANTINE_SCHEMA)
    assert meta(evaluate(quarantine_sales_model, lake), "rules_failed") == {
        "_source_object: not_nullable": 1,
        "_line_number: greater_than_or_equal_to(1)": 1,
    }


def test_daily_sales_model(lake):
    good = [final_row("p1", 3, 1, "10.00", "2.50"), final_row("p2", 1, 0, "0.10", "0")]
    write_day(lake, "final", "daily_sales", DAY, good, FINAL_SCHEMA)
    assert evaluate(daily_sales_model, lake).passed
    bad = [final_row("p3", 1, 0, "1", "0", net_revenue=Decimal("0.99")), final_row("p4", -1, 0, "1", "0")]
    write_day(lake, "final", "daily_sales", DAY, good + bad + [good[0]], FINAL_SCHEMA)
    assert meta(evaluate(daily_sales_model, lake), "rules_failed") == {
        "net_is_gross_less_returns": 1,
        "units_sold: greater_than_or_equal_to(0)": 1,
        "one_row_per_day_store_product": 2,
    }


def test_final_reconciles_with_cleaned_to_the_cent(lake):
    cleaned = [cleaned_row(1, quantity=3, price="0.10"), cleaned_row(2, quantity=-1, price="0.20")]
    write_day(lake, "cleaned", "sales", DAY, cleaned, CLEANED_SCHEMA)
    final = [final_row("p1", 3, 0, "0.30", "0"), final_row("p2", 0, 1, "0", "0.20")]
    write_day(lake, "final", "daily_sales", DAY, final, FINAL_SCHEMA)
    assert evaluate(final_reconciles_with_cleaned, lake).passed
    final[0]["net_revenue"] = Decimal("0.2999")
    write_day(lake, "final", "daily_sales", DAY, final, FINAL_SCHEMA)
    evaluation = evaluate(final_reconciles_with_cleaned, lake)
    assert not evaluation.passed
    assert meta(evaluation, "days_failing") == {DAY: {"quantity": ["2", "2"], "amount": ["0.1000", "0.0999"]}}


def test_aurora_reconciles_with_final(lake, postgres_url):
    day = "2019-06-01"  # a day no other test loads
    final = [final_row("p1", 3, 1, "10.00", "2.50"), final_row("p2", 1, 0, "0.10", "0")]
    write_day(lake, "final", "daily_sales", day, final, FINAL_SCHEMA)
    warehouse = UrlWarehouse(url=postgres_url)
    warehouse.load_days(rows_to_load(lake.read_days("final", "daily_sales", [day])), [day])
    assert evaluate(aurora_reconciles_with_final, lake, warehouse, days=(day, day)).passed
    assert evaluate(aurora_daily_sales_model, lake, warehouse, days=(day, day)).passed

    with psycopg.connect(postgres_url) as connection:
        connection.execute(
            "UPDATE retail.daily_sales SET net_revenue = net_revenue + 0.0001"
            " WHERE business_date = %s AND product_id = 'p1'",
            [day],
        )
    evaluation = evaluate(aurora_reconciles_with_final, lake, warehouse, days=(day, day))
    assert not evaluation.passed
    assert meta(evaluation, "days_failing")[day]["net_revenue"] == ["7.6000", "7.6001"]
    evaluation = evaluate(aurora_daily_sales_model, lake, warehouse, days=(day, day))
    assert meta(evaluation, "rules_failed") == {"net_is_gross_less_returns": 1}
    warehouse.load_days(rows_to_load(None), [day])


def test_an_object_with_rows_missing_from_raw_is_a_problem_an_empty_export_is_not(lake):
    source = land(lake, DAY, "a.csv", "header\nrow\n")
    land(lake, DAY, "lost.csv", "header\nrow\n")
    land(lake, DAY, "header_only.csv", "header\n\n  \n,,\n")
    write_day(lake, "raw", "sales", DAY, [raw_row(source, 2)], raw_schema())
    (problem,) = meta(evaluate(raw_matches_landing, lake), "problems")
    assert problem["object"] == f"sales/{DAY}/lost.csv" and problem["problem"] == "landing object has no rows in raw"


def test_an_object_a_recipe_reads_holds_rows_by_its_recipe(lake, tmp_path):
    # A whitespace report's header alone holds no record (as text it would be a line); a record that does not map
    # is still a row raw must hold.
    recipe = LEGACY_TEXT.recipe(tmp_path)
    header = LEGACY_TEXT.content.decode().splitlines(keepends=True)[0]
    land(lake, DAY, recipe.key_in_day("header_only.txt"), header + "\n")
    land(lake, DAY, recipe.key_in_day("lost.txt"), header + "not enough fields\n")
    (problem,) = integrity_problems(lake, DAY, {recipe.name: recipe})
    assert problem["object"] == f"sales/{DAY}/{recipe.key_in_day('lost.txt')}"
    assert len(integrity_problems(lake, DAY, {})) == 2  # read as landing-contract text, both hold a line
