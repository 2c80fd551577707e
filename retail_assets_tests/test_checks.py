"""Each asset check passes on good data and fails, with the expected metadata, on data that breaks its rule."""

from datetime import UTC, date, datetime, timedelta
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
from retail_assets.defs.checks import pandera_check, per_day
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


def evaluations(check, lake, warehouse=None, days=(DAY, DAY)) -> dict[str, dg.AssetCheckEvaluation]:
    """Run one check alone, as Dagster runs it for a partition range, and return its evaluation of each day."""
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
    by_day = {evaluation.partition: evaluation for evaluation in result.get_asset_check_evaluations()}
    assert len(by_day) == len(result.get_asset_check_evaluations()), "a day evaluated twice"
    return by_day


def evaluate(check, lake, warehouse=None, days=(DAY, DAY)) -> dg.AssetCheckEvaluation:
    """The evaluation of a one-day run's day."""
    (evaluation,) = evaluations(check, lake, warehouse, days).values()
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
    by_day = evaluations(landing_day_has_objects, lake, days=(DAY, "2024-03-03"))
    assert by_day[DAY].passed and meta(by_day[DAY], "landing_objects") == 1
    empty = by_day["2024-03-03"]
    assert not empty.passed and empty.severity == dg.AssetCheckSeverity.WARN
    assert meta(empty, "landing_objects") == 0


def test_landing_values_parse_names_each_rule_and_shows_the_rows(lake):
    source = land(lake, DAY, "a.csv", "x")
    good = [raw_row(source, line) for line in range(2, 6)]
    write_day(lake, "raw", "sales", DAY, good, raw_schema())
    assert evaluate(landing_values_parse, lake).passed

    bad = [raw_row(source, 6, quantity="two"), raw_row(source, 7, unit_price="1,50"), raw_row(source, 8, store_id=" ")]
    write_day(lake, "raw", "sales", DAY, good + bad, raw_schema())
    evaluation = evaluate(landing_values_parse, lake)
    assert evaluation.passed and "only 0 of the 4 same-weekday days" in evaluation.description  # no history yet
    assert meta(evaluation, "rules_failed") == {
        "quantity: quantity_parses": 1,
        "unit_price: money_parses": 1,
        "store_id: required_present": 1,
    }
    assert meta(evaluation, "failing_rows") == 3
    sample = evaluation.metadata["failing_rows_sample"].records
    assert sorted(record.data["quantity"] for record in sample) == ["2", "2", "two"]

    for week in range(1, 5):  # four earlier Saturdays with one bad row in eight: 12.5% is this weekday's usual
        past = (date.fromisoformat(DAY) - timedelta(weeks=week)).isoformat()
        past_source = land(lake, past, "a.csv", "x")
        rows = [raw_row(past_source, line) for line in range(2, 9)] + [raw_row(past_source, 9, quantity="x")]
        write_day(lake, "raw", "sales", past, rows, raw_schema())
    evaluation = evaluate(landing_values_parse, lake)  # 3 in 7 is far above it
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert meta(evaluation, "usual_median") == 0.125 and meta(evaluation, "breaking_share") == 0.4286


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


def test_an_extra_column_warns_once_and_a_missing_required_column_is_an_error(lake):
    before, first, after = "2024-03-01", DAY, "2024-03-03"
    write_day(lake, "raw", "sales", before, [raw_row(land(lake, before, "a.csv", "x"), 2)], raw_schema())
    for day in (first, after):
        rows = [raw_row(land(lake, day, "a.csv", "x"), 2, pos_register="7")]
        write_day(lake, "raw", "sales", day, rows, raw_schema(extra=("pos_register",)))
    by_day = evaluations(landing_schema_matches_contract, lake, days=(before, after))
    assert by_day[before].passed
    assert not by_day[first].passed and by_day[first].severity == dg.AssetCheckSeverity.WARN
    assert meta(by_day[first], "added") == ["pos_register"]
    assert by_day[after].passed and meta(by_day[after], "added") == []  # known since the day before

    source = land(lake, DAY, "a.csv", "x")
    rows = [raw_row(source, 2, pos_register="7")]
    other = land(lake, DAY, "b.csv", "y")
    rows.append(raw_row(other, 2, quantity=None))  # ingest fills a column the file lacks with nulls
    write_day(lake, "raw", "sales", DAY, rows, raw_schema(extra=("pos_register",)))
    evaluation = evaluate(landing_schema_matches_contract, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert meta(evaluation, "missing_by_object") == {other[0]: ["quantity"]}


def test_the_first_day_with_data_takes_its_extra_columns_as_known(lake):
    write_day(
        lake,
        "raw",
        "sales",
        DAY,
        [raw_row(land(lake, DAY, "a.csv", "x"), 2, pos_register="7")],
        raw_schema(extra=("pos_register",)),
    )
    evaluation = evaluate(landing_schema_matches_contract, lake)
    assert evaluation.passed and meta(evaluation, "baseline_extra_columns") == ["pos_register"]


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


@pytest.mark.parametrize("validated_rows", [250_000, 3, 1])  # the range in one batch, in two, a day to a batch
def test_the_cleaned_model_over_a_range_judges_each_day_by_its_own_rows(lake, monkeypatch, validated_rows):
    # One validation serves several days: a day's result is what validating its rows alone gives.
    monkeypatch.setattr(pandera_check, "VALIDATED_ROWS", validated_rows)
    days = ["2024-03-02", "2024-03-03", "2024-03-04"]
    for offset, day in enumerate(days):
        sold_at = datetime(2024, 3, 2 + offset, 12, tzinfo=UTC)
        rows = [cleaned_row(line, sold_at=sold_at) for line in (1, 2)]  # the same lines as every other day's
        if day == days[1]:
            rows += [{**rows[0]}, cleaned_row(5, price="-1", sold_at=sold_at)]
        write_day(lake, "cleaned", "sales", day, rows, CLEANED_SCHEMA)
    by_day = evaluations(cleaned_sales_model, lake, days=(days[0], days[-1]))
    assert by_day[days[0]].passed and by_day[days[2]].passed
    assert meta(by_day[days[0]], "rows_checked") == 2
    broken = by_day[days[1]]
    assert not broken.passed and meta(broken, "rows_checked") == 4 and meta(broken, "failing_rows") == 2
    assert meta(broken, "rules_failed") == {"no_duplicate_lines": 1, "unit_price: unit_price_not_negative": 1}
    assert broken.description == "2 of 4 rows break no_duplicate_lines, unit_price: unit_price_not_negative"
    assert [row.data["transaction_id"] for row in meta(broken, "failing_rows_sample").records] == ["t1", "t5"]


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
    assert meta(evaluation, "quarantine_rate") == 0.3

    write_day(lake, "quarantine", "sales", DAY, quarantined[:1], QUARANTINE_SCHEMA)
    evaluation = evaluate(rows_conserved, lake)
    assert not evaluation.passed
    assert (
        meta(evaluation, "rows_landed"),
        meta(evaluation, "rows_cleaned"),
        meta(evaluation, "rows_quarantined"),
    ) == (
        10,
        7,
        1,
    )
    evaluation = evaluate(quarantine_rate, lake)  # 10%: below the error threshold, and no history to compare with
    assert evaluation.passed and "only 0 of the 4 same-weekday days" in evaluation.description


def test_quarantine_rate_warns_on_five_times_its_weekdays_usual_rate(lake):
    history = [(date(2024, 3, 2) - timedelta(weeks=week)).isoformat() for week in range(1, 6)]
    for week, day in enumerate(history):
        write_landed(lake, day, rows=200, quarantined=4 + week % 2)  # 2% to 2.5%
    write_landed(lake, DAY, rows=200, quarantined=5)
    assert evaluate(quarantine_rate, lake).passed
    write_landed(lake, DAY, rows=200, quarantined=22)  # 11%: five times the usual, under the 20% that blocks
    evaluation = evaluate(quarantine_rate, lake)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert meta(evaluation, "history_days") == 5 and meta(evaluation, "usual_median") == 0.02


def write_landed(lake, day: str, rows: int, quarantined: int) -> None:
    """A day with rows landed in raw, of which quarantined are in quarantine (the rest are not written)."""
    source = land(lake, day, "a.csv", "x")
    write_day(lake, "raw", "sales", day, [raw_row(source, n) for n in range(rows)], raw_schema())
    rejected = [
        {"transaction_id": "t", "reason": "duplicate", "_source_object": "f", "_line_number": n + 1}
        for n in range(quarantined)
    ]
    write_day(lake, "quarantine", "sales", day, rejected, QUARANTINE_SCHEMA)


def test_quarantine_model_requires_a_reason_and_lineage(lake):
    rows = [{"transaction_id": "t", "reason": "duplicate", "_source_object": "f", "_line_number": 2}]
    write_day(lake, "quarantine", "sales", DAY, rows, QUARANTINE_SCHEMA)
    assert evaluate(quarantine_sales_model, lake).passed
    write_day(lake, "quarantine", "sales", DAY, rows + [{**rows[0], "reason": None}], QUARANTINE_SCHEMA)
    assert meta(evaluate(quarantine_sales_model, lake), "rules_failed") == {"reason: not_nullable": 1}
    # Line 0 is a whole object ingest could not read (unreadable_object); below it no line is named.
    lost = [{**rows[0], "_source_object": None}, {**rows[0], "_line_number": -1}]
    write_day(lake, "quarantine", "sales", DAY, rows + lost, QUARANTINE_SCHEMA)
    assert meta(evaluate(quarantine_sales_model, lake), "rules_failed") == {
        "_source_object: not_nullable": 1,
        "_line_number: greater_than_or_equal_to(0)": 1,
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
    assert "'amount': ['0.1000', '0.0999']" in evaluation.description
    assert meta(evaluation, "net_revenue") == "0.0999"


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
    assert "'net_revenue': ['7.6000', '7.6001']" in evaluation.description
    assert meta(evaluation, "net_revenue") == "7.6001"
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


@pytest.mark.parametrize("page", [1000, 1])
def test_each_days_evaluation_targets_that_days_latest_materialization(monkeypatch, page):
    monkeypatch.setattr(per_day, "_PAGE", page)  # one page, and one page per record
    key = dg.AssetKey(["raw", "sales"])
    with dg.DagsterInstance.ephemeral() as instance:
        for day in ["2024-03-02", "2024-03-03", "2024-03-02", "2024-03-05"]:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=day))
        latest = {}
        for record in instance.fetch_materializations(key, limit=10, ascending=True).records:
            latest[record.partition_key] = record.storage_id
        targets = per_day.day_materializations(instance, key, ["2024-03-02", "2024-03-03", "2024-03-04"])
    assert {day: target.storage_id for day, target in targets.items()} == {
        "2024-03-02": latest["2024-03-02"],
        "2024-03-03": latest["2024-03-03"],
    }
