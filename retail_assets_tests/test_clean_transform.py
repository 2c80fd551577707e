"""glue_scripts/clean_sales.py: DESIGN.md's cleaning rules, one test per rule and reason."""

from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from pyspark.sql import functions as F

from glue_scripts import lake_days
from glue_scripts.clean_sales import DayCounts, clean, read_raw, run, spread
from glue_scripts.lake_days import write_days
from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES, RAW_SYSTEM_COLUMNS, RECIPE_COLUMNS
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE

DAY = "2017-03-12"  # clocks went forward in New York that night: midnight to midnight is 23 hours
RAW_COLUMNS = [*CONTRACT_COLUMN_NAMES, "register", *RAW_SYSTEM_COLUMNS]
RAW_SCHEMA = ", ".join(
    f"{name} {'bigint' if name in ('_source_bytes', '_line_number') else 'string'}" for name in RAW_COLUMNS
)
VALID = {
    "transaction_id": "T1",
    "sold_at": "2017-03-12 10:00:00",
    "store_id": "S1",
    "product_id": "P1",
    "quantity": "2",
    "unit_price": "1.25",
}
A, B = "s3://landing/sales/2017-03-12/a.csv", "s3://landing/sales/2017-03-12/b.csv"

# Raw rows by line number of object A: the landed values that differ from VALID.
CASES = {
    1: {},
    2: {"transaction_id": None, "_unparsed_line": "T9,broken"},
    3: {"transaction_id": ""},
    4: {"sold_at": None},
    5: {"store_id": "  "},
    6: {"product_id": "\t"},
    7: {"quantity": ""},
    8: {"unit_price": None},
    9: {"transaction_id": "", "quantity": "many"},  # both broken: the first contract column names the reason
    10: {"sold_at": "2017-02-30 10:00:00"},
    11: {"sold_at": "yesterday"},
    12: {"quantity": "3.5"},
    13: {"quantity": "3.0"},  # integral: 3
    14: {"unit_price": "1.23456"},  # five significant places
    15: {"unit_price": "1.23450"},  # a trailing zero past the 4th place is exact
    16: {"discount": "a lot"},
    17: {"discount": "0.5", "quantity": "3", "unit_price": "0.1"},
    18: {"unit_price": "-1"},
    19: {"quantity": "0"},
    20: {"unit_price": "-1", "quantity": "0"},  # negative_price is tried first
    21: {"quantity": "-2"},  # a return
    22: {"sold_at": "2017-03-12T04:59:59Z"},  # 23:59:59 EST on 03-11
    23: {"sold_at": "2017-03-12T05:00:00Z"},  # midnight EST
    24: {"sold_at": "2017-03-13T03:59:59Z"},  # 23:59:59 EDT, the same day after the change
    25: {"sold_at": "2017-03-13T04:00:00Z"},  # midnight EDT on 03-13
    26: {"sold_at": "2017-03-12 23:30:00"},  # no offset: New York time
    27: {"sold_at": "2017-03-12 02:30:00"},  # no offset, in the skipped hour: moved forward to 03:30 EDT
    28: {"sold_at": "2017-03-12 01:30:00+00:00"},  # 20:30 EST on 03-11
    29: {"quantity": "999999999999999999", "unit_price": "99999999999999.9999"},  # the amount overflows
    30: {"transaction_id": " T30 ", "product_name": "  Milk ", "brand": "  ", "register": "till 4"},
    # Equal in every contract column after parsing, to line 40 of B (the same instant, "2" = "2.0", ...).
    31: {
        "transaction_id": "D",
        "sold_at": "2017-03-12T14:00:00Z",
        "quantity": "2.0",
        "unit_price": "1.2500",
        "discount": "0",
    },
    32: {"transaction_id": "D", "customer_id": "C1"},  # differs in customer_id only
    33: {"transaction_id": "Z", "quantity": "0"},  # equal to line 34 but rejected: zero_quantity, not duplicate
    34: {"transaction_id": "Z", "quantity": "0"},
}
B_CASES = {40: {"transaction_id": "D", "sold_at": "2017-03-12 10:00:00", "discount": ""}}
REASONS = {
    2: "unparseable_line",
    3: "missing_transaction_id",
    4: "missing_sold_at",
    5: "missing_store_id",
    6: "missing_product_id",
    7: "missing_quantity",
    8: "missing_unit_price",
    9: "missing_transaction_id",
    10: "invalid_sold_at",
    11: "invalid_sold_at",
    12: "invalid_quantity",
    14: "invalid_unit_price",
    16: "invalid_discount",
    18: "negative_price",
    19: "zero_quantity",
    20: "negative_price",
    22: "outside_partition",
    25: "outside_partition",
    28: "outside_partition",
    29: "invalid_line_amount",
    33: "zero_quantity",
    34: "zero_quantity",
}


def raw_frame(spark, cases: dict[int, dict], source: str = A, day: str = DAY):
    """Raw rows as ingest writes them: VALID changed by each case, every landed value as text."""
    rows = []
    for line, changes in cases.items():
        row = dict.fromkeys(RAW_COLUMNS) | VALID | changes
        rows.append(
            row
            | {
                "_source_object": source,
                "_source_md5": "0" * 32,
                "_source_bytes": 100,
                "_line_number": line,
                "business_date": day,
            }
        )
    return spark.createDataFrame([tuple(row[name] for name in RAW_COLUMNS) for row in rows], RAW_SCHEMA)


@pytest.fixture(scope="module")
def cleaned(spark):
    """(kept rows by (object, line), reasons by (object, line), quarantine rows, cleaned columns) of the cases."""
    raw = raw_frame(spark, CASES).unionByName(raw_frame(spark, B_CASES, B))
    kept, quarantined = clean(raw, BUSINESS_TIMEZONE)
    # sold_at as the instant it is, in the session's (business) time zone with its offset.
    local = F.date_format("sold_at", "yyyy-MM-dd'T'HH:mm:ssXXX").alias("sold_at_local")
    kept_rows = {(r["_source_object"], r["_line_number"]): r.asDict() for r in kept.select("*", local).collect()}
    rejected = {(r["_source_object"], r["_line_number"]): r.asDict() for r in quarantined.collect()}
    return kept_rows, rejected, kept.columns, quarantined.columns


def kept(cleaned, line: int, source: str = A) -> dict:
    """The cleaned row of a line."""
    return cleaned[0][(source, line)]


def reason(cleaned, line: int, source: str = A) -> str:
    """The quarantine reason of a line."""
    return cleaned[1][(source, line)]["reason"]


def test_every_row_is_kept_or_quarantined_once(cleaned):
    kept_rows, rejected, _, _ = cleaned
    assert not set(kept_rows) & set(rejected)
    assert len(kept_rows) + len(rejected) == len(CASES) + len(B_CASES)


@pytest.mark.parametrize("line", sorted(REASONS))
def test_reason_of_the_first_rule_broken(cleaned, line):
    assert reason(cleaned, line) == REASONS[line]


def test_a_valid_row_is_typed_with_its_exact_line_amount(cleaned):
    row = kept(cleaned, 1)
    assert (row["quantity"], row["unit_price"], row["discount"]) == (2, Decimal("1.2500"), Decimal("0.0000"))
    assert row["line_amount"] == Decimal("2.5000") and row["is_return"] is False
    assert row["sold_at_local"] == "2017-03-12T10:00:00-04:00" and row["business_date"] == DAY


def test_integral_decimal_quantity_is_an_integer(cleaned):
    assert kept(cleaned, 13)["quantity"] == 3


def test_trailing_zeros_past_four_places_are_exact(cleaned):
    assert kept(cleaned, 15)["unit_price"] == Decimal("1.2345")


def test_line_amount_is_exact_decimal_arithmetic(cleaned):
    row = kept(cleaned, 17)  # 3 * 0.1 - 0.5: -0.2 exactly, where binary floating point gives -0.19999...
    assert (row["discount"], row["line_amount"]) == (Decimal("0.5000"), Decimal("-0.2000"))


def test_a_negative_quantity_is_a_return(cleaned):
    row = kept(cleaned, 21)
    assert (row["is_return"], row["line_amount"]) == (True, Decimal("-2.5000"))


@pytest.mark.parametrize(
    ("line", "local"),
    [
        (23, "2017-03-12T00:00:00-05:00"),
        (24, "2017-03-12T23:59:59-04:00"),
        (26, "2017-03-12T23:30:00-04:00"),
        (27, "2017-03-12T03:30:00-04:00"),
    ],
)
def test_sold_at_with_an_offset_is_converted_and_without_one_is_business_time(cleaned, line, local):
    assert kept(cleaned, line)["sold_at_local"] == local


def test_strings_are_trimmed_and_empty_optional_strings_are_null(cleaned):
    row = kept(cleaned, 30)
    assert (row["transaction_id"], row["product_name"], row["brand"]) == ("T30", "Milk", None)


def test_duplicates_keep_the_first_by_source_object_and_line(cleaned):
    assert reason(cleaned, 40, B) == "duplicate"  # equal to line 31 of A, which comes first
    assert kept(cleaned, 31)["transaction_id"] == "D"
    assert kept(cleaned, 32)["customer_id"] == "C1"


def test_cleaned_has_the_contract_columns_typed_and_no_extra_column(cleaned):
    assert cleaned[2] == [
        *CONTRACT_COLUMN_NAMES,
        "line_amount",
        "is_return",
        "_source_object",
        "_line_number",
        "business_date",
    ]


def test_quarantine_keeps_every_landed_column_as_text_as_landed(cleaned):
    _, rejected, _, columns = cleaned
    assert columns == [
        *CONTRACT_COLUMN_NAMES,
        "register",
        "_unparsed_line",
        *RECIPE_COLUMNS,
        "reason",
        "_source_object",
        "_line_number",
        "business_date",
    ]
    assert rejected[(A, 12)]["quantity"] == "3.5"
    assert rejected[(A, 5)]["store_id"] == "  "
    assert rejected[(A, 2)]["_unparsed_line"] == "T9,broken"


def test_raw_without_optional_columns_is_cleaned_with_discount_zero(spark):
    raw = raw_frame(spark, {1: {}}).drop("discount", "customer_id", "_unparsed_line")
    kept_rows, quarantined = clean(raw, BUSINESS_TIMEZONE)
    (row,) = kept_rows.collect()
    assert (row["discount"], row["customer_id"], row["line_amount"]) == (Decimal("0.0000"), None, Decimal("2.5000"))
    assert quarantined.count() == 0


def test_clean_refuses_a_session_in_another_time_zone(spark):
    with pytest.raises(ValueError, match="not the business time zone Europe/Paris"):
        clean(raw_frame(spark, {1: {}}), "Europe/Paris")


def test_run_writes_both_tables_per_day_and_empties_days_left_without_rows(spark, tmp_path):
    args = {
        "JOB_NAME": "clean_sales",
        "raw_uri": str(tmp_path / "raw"),
        "cleaned_uri": str(tmp_path / "cleaned"),
        "quarantine_uri": str(tmp_path / "quarantine"),
        "start_date": DAY,
        "end_date": "2017-03-13",
        "business_timezone": BUSINESS_TIMEZONE,
    }
    raw = raw_frame(spark, {1: {}, 2: {"quantity": "0"}}).unionByName(raw_frame(spark, {1: {}}, day="2017-03-13"))
    write_days(raw, args["raw_uri"], raw.count())
    counts = run(spark, args)
    assert counts.landed == {DAY: 2, "2017-03-13": 1}
    assert counts.cleaned == {DAY: 1, "2017-03-13": 0}  # the 03-13 row was sold on 03-12
    assert counts.reasons == {DAY: {"zero_quantity": 1}, "2017-03-13": {"outside_partition": 1}}
    assert spark.read.parquet(args["cleaned_uri"]).count() == 1
    assert spark.read.parquet(args["quarantine_uri"]).count() == 2
    # Rerun after the 03-12 raw rows became all valid: its quarantine partition is emptied.
    write_days(raw_frame(spark, {1: {}}), args["raw_uri"], 1)
    counts = run(spark, args)
    assert counts.quarantined == {DAY: 0, "2017-03-13": 1}
    assert not (tmp_path / "quarantine" / f"business_date={DAY}").exists()
    assert not (tmp_path / "cleaned" / "business_date=2017-03-13").exists()


def _numbered_lines(spark, lines: int):
    """Raw-like rows of one day: one object's lines 0..lines-1, each with a transaction id of 64 hex digits."""
    return spark.range(lines).select(
        F.lit(DAY).alias("business_date"),
        F.lit("s3://landing/a.csv").alias("_source_object"),
        F.col("id").alias("_line_number"),
        F.sha2(F.col("id").cast("string"), 256).alias("transaction_id"),
    )


def test_a_day_is_written_by_a_task_per_core_in_ranges_of_its_rows_in_order(spark, tmp_path):
    rows = _numbered_lines(spark, 3 * lake_days.MIN_ROWS_PER_TASK)
    write_days(rows.repartition(5), str(tmp_path / "large"), 3 * lake_days.MIN_ROWS_PER_TASK)
    write_days(_numbered_lines(spark, 1_000), str(tmp_path / "small"), 1_000)
    large = sorted((tmp_path / "large" / f"business_date={DAY}").glob("*.parquet"))
    assert len(large) == spark.sparkContext.defaultParallelism == 2
    lines = [pq.read_table(file, columns=["_line_number"]).column(0).to_pylist() for file in large]
    assert [line for file in lines for line in file] == list(range(3 * lake_days.MIN_ROWS_PER_TASK))
    assert all(file for file in lines)
    assert len(list((tmp_path / "small" / f"business_date={DAY}").glob("*.parquet"))) == 1


def test_a_day_written_in_small_row_groups_is_read_by_every_core_without_a_shuffle(spark, tmp_path, monkeypatch):
    # Spark splits files into pieces of at least 4 MiB (openCostInBytes): the day's file is larger than one a core.
    rows = _numbered_lines(spark, 300_000)
    monkeypatch.setattr(lake_days, "MIN_ROWS_PER_TASK", 300_000)  # one file: as a day written before it was split
    write_days(rows, str(tmp_path / "small"), 300_000, row_group_bytes=1 << 20)
    write_days(rows, str(tmp_path / "whole"), 300_000)
    (small,) = (tmp_path / "small" / f"business_date={DAY}").glob("*.parquet")
    assert pq.ParquetFile(small).metadata.num_row_groups > 1
    cores = spark.sparkContext.defaultParallelism
    for table, shuffled in (("small", False), ("whole", True)):
        read = spread(read_raw(spark, str(tmp_path / table), [DAY]))
        plan = read._jdf.queryExecution().executedPlan().toString()
        assert ("RoundRobinPartitioning" in plan) == shuffled
        assert read.rdd.getNumPartitions() == cores
        assert read.count() == 300_000


def test_a_broken_row_count_stops_the_job():
    counts = DayCounts(landed={DAY: 3}, cleaned={DAY: 1}, reasons={DAY: {"duplicate": 1}})
    with pytest.raises(RuntimeError, match="rows landed != rows cleaned"):
        counts.check_every_row_once()
