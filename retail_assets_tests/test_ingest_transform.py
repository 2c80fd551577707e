"""glue_scripts/ingest_sales.py and its shim: landing files of every format to raw text rows with lineage."""

import datetime
import gzip
import hashlib
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts.ingest_sales import run
from glue_scripts.job_args import parse_job_args
from glue_scripts.landing_readers import _csv_fields, _json_fields, parquet_schema_groups
from glue_scripts.reading_rules import (
    FIELDS,
    HEADER,
    LINE_INDEX,
    TEXT,
    csv_reader,
    is_blank_record,
    json_line_fields,
)
from glue_scripts.sales_contract import business_days
from retail_assets_tests.support.constants import PROJECT_ROOT

DAY, EMPTY_DAY = "2017-03-12", "2017-03-13"
CSV = (
    "\ufeffTransaction_ID, Sold_At ,STORE_id,product_id,quantity,unit_price,Loyalty_Tier\n"
    'T1,2017-03-12 10:00:00,S1,"P,1",3.0,1.50,gold\n'
    "\n"
    'T2,2017-03-12T15:00:00Z,S1,"say ""hi""",-1,2,\n'
    ",,,,,,\n"
    "T3,too,few\n"
    'T4,"a quoted field\n'
    'with a line break",S1,P1,1,1,x\n'
)
JSONL = (
    '{"transaction_id": "J1", "Unit_Price": 12345678901234.1234, "discount": 0.0002, "quantity": 2,'
    ' "extra": {"a": [1.50]}, "flag": true, "customer_id": null}\n'
    "\n"
    "{broken\n"
    '{"transaction_id": "J2", "business_date": "not ours"}\n'
)


def parquet_table() -> pa.Table:
    """Typed Parquet columns: integer, decimal, timestamps with and without time zone, date, double."""
    return pa.table(
        {
            "Transaction_ID": ["P1", "P2"],
            "quantity": pa.array([1, -2], pa.int32()),
            "unit_price": pa.array([Decimal("1.5000"), Decimal("0.0000")], pa.decimal128(10, 4)),
            "tiny": pa.array([Decimal("0E-10"), Decimal("1E-10")], pa.decimal128(20, 10)),
            "sold_at": pa.array([datetime.datetime(2017, 3, 12, 15, 0, 0, 500000)] * 2, pa.timestamp("us", tz="UTC")),
            "local_time": pa.array([datetime.datetime(2017, 3, 12, 2, 30)] * 2, pa.timestamp("us")),
            "sale_day": pa.array([datetime.date(2017, 3, 12)] * 2, pa.date32()),
            "weight": pa.array([0.25, None], pa.float64()),
        }
    )


def write_landing(root: Path) -> dict[str, Path]:
    """One file of every accepted format under sales/DAY, plus files that are not data; returns the data files."""
    day = root / "sales" / DAY
    (day / "sub dir").mkdir(parents=True)
    (day / "_tmp").mkdir()
    files = {
        "csv": day / "store_1.csv",
        "gz": day / "sub dir" / "store [2].csv.gz",
        "jsonl": day / "web.jsonl",
        "parquet": day / "pos.parquet",
        "empty": day / "nothing_sold.csv",
    }
    files["csv"].write_text(CSV, encoding="utf-8")
    files["empty"].write_bytes(b"")
    files["gz"].write_bytes(gzip.compress(b"transaction_id,quantity\r\nG1,5\r\n"))
    files["jsonl"].write_text(JSONL, encoding="utf-8")
    pq.write_table(parquet_table(), files["parquet"])
    for ignored in ("_SUCCESS", ".DS_Store", "_tmp/half.csv"):
        (day / ignored).write_text("not data")
    return files


def ingest_args(tmp: Path, start: str = DAY, end: str = EMPTY_DAY) -> dict[str, str]:
    """The job arguments for a landing and raw root under tmp."""
    return {
        "JOB_NAME": "ingest_sales",
        "landing_uri": str(tmp / "landing"),
        "raw_uri": str(tmp / "raw"),
        "start_date": start,
        "end_date": end,
    }


@pytest.fixture(scope="module")
def landed(spark, tmp_path_factory):
    """The files, the summary and the raw rows (by object name and line) of one ingest run."""
    tmp = tmp_path_factory.mktemp("ingest")
    files = write_landing(tmp / "landing")
    summary = run(spark, ingest_args(tmp))
    raw = spark.read.parquet(str(tmp / "raw"))
    rows = {(Path(row["_source_object"]).name, row["_line_number"]): row.asDict() for row in raw.collect()}
    return files, summary, rows, raw.columns


def test_every_data_file_is_listed_with_its_md5_bytes_and_rows(landed):
    files, summary, _, _ = landed
    by_name = {Path(obj["object"]).name: obj for obj in summary["objects"]}
    assert set(by_name) == {path.name for path in files.values()}  # _SUCCESS, .DS_Store, _tmp/ are not data
    for path in files.values():
        assert by_name[path.name]["md5"] == hashlib.md5(path.read_bytes()).hexdigest()
        assert by_name[path.name]["bytes"] == path.stat().st_size
        assert by_name[path.name]["object"] == f"file:{path}"  # the URI as Hadoop lists it, not escaped
    rows = {name: obj["rows"] for name, obj in by_name.items()}
    assert rows == {"store_1.csv": 5, "store [2].csv.gz": 1, "web.jsonl": 3, "pos.parquet": 2, "nothing_sold.csv": 0}
    assert summary["rows_by_day"] == {DAY: 11, EMPTY_DAY: 0}
    assert summary["objects_by_day"] == {DAY: 5, EMPTY_DAY: 0}
    assert summary["rows_written"] == 11
    assert summary["empty_days"] == [EMPTY_DAY]


def test_csv_values_are_text_with_lower_case_names_and_physical_line_numbers(landed):
    _, _, rows, columns = landed
    first = rows[("store_1.csv", 2)]
    assert {k: first[k] for k in ("transaction_id", "sold_at", "store_id", "product_id", "quantity", "unit_price")} == {
        "transaction_id": "T1",
        "sold_at": "2017-03-12 10:00:00",
        "store_id": "S1",
        "product_id": "P,1",
        "quantity": "3.0",
        "unit_price": "1.50",
    }
    assert first["loyalty_tier"] == "gold" and "loyalty_tier" in columns  # an extra column, kept in raw
    assert first["business_date"] == DAY and first["_unparsed_line"] is None
    # Line 3 is blank and line 5 holds empty fields only: neither is a row. RFC 4180 doubled quotes parse.
    assert rows[("store_1.csv", 4)]["product_id"] == 'say "hi"'
    assert ("store_1.csv", 3) not in rows and ("store_1.csv", 5) not in rows


def test_csv_lines_that_do_not_parse_are_kept_as_text(landed):
    _, _, rows, _ = landed
    assert rows[("store_1.csv", 6)]["_unparsed_line"] == "T3,too,few"
    assert rows[("store_1.csv", 6)]["transaction_id"] is None
    # A quoted line break is not supported: each physical line of that record is kept, unparsed.
    assert rows[("store_1.csv", 7)]["_unparsed_line"] == 'T4,"a quoted field'
    assert rows[("store_1.csv", 8)]["_unparsed_line"] == 'with a line break",S1,P1,1,1,x'


def test_csv_gzip_in_a_sub_folder_with_glob_characters_in_its_name(landed):
    _, _, rows, _ = landed
    row = rows[("store [2].csv.gz", 2)]
    assert (row["transaction_id"], row["quantity"], row["store_id"]) == ("G1", "5", None)


def test_json_lines_keep_the_exact_text_of_every_value(landed):
    _, _, rows, _ = landed
    row = rows[("web.jsonl", 1)]
    assert row["unit_price"] == "12345678901234.1234"  # not through a double
    assert (row["discount"], row["quantity"], row["flag"]) == ("0.0002", "2", "true")
    assert row["extra"] == '{"a": [1.50]}' and row["customer_id"] is None
    assert rows[("web.jsonl", 3)]["_unparsed_line"] == "{broken"
    # A landed column named like a system column keeps its value under landed_<name>.
    assert rows[("web.jsonl", 4)]["landed_business_date"] == "not ours"
    assert rows[("web.jsonl", 4)]["business_date"] == DAY


def test_parquet_values_as_text_with_row_numbers(landed):
    _, _, rows, _ = landed
    first, second = rows[("pos.parquet", 1)], rows[("pos.parquet", 2)]
    assert (first["transaction_id"], first["quantity"], second["quantity"]) == ("P1", "1", "-2")
    assert (first["unit_price"], second["unit_price"]) == ("1.5000", "0.0000")
    assert (first["tiny"], second["tiny"]) == ("0.0000000000", "0.0000000001")  # never 0E-10
    # An instant keeps its offset (the session of this test is in New York), a local time gets none.
    assert first["sold_at"] == "2017-03-12T11:00:00.500000-04:00"
    assert first["local_time"] == "2017-03-12T02:30:00"
    assert (first["sale_day"], first["weight"], second["weight"]) == ("2017-03-12", "0.25", None)


def test_parquet_files_of_the_same_columns_in_any_order_are_read_as_one_group_each_value_in_its_column(
    spark, tmp_path
):
    table = parquet_table()
    day = tmp_path / "landing" / "sales" / DAY
    day.mkdir(parents=True)
    pq.write_table(table, day / "a.parquet")
    pq.write_table(table.select(list(reversed(table.column_names))), day / "b.parquet")
    pq.write_table(table.rename_columns([name.upper() for name in table.column_names]), day / "c.parquet")
    uris = [f"file:{day / name}" for name in ("a.parquet", "b.parquet", "c.parquet")]
    # Another order of the same names is one group; other names (upper case) another.
    assert [group for _, group in parquet_schema_groups(spark, uris, {})] == [uris[:2], uris[2:]]
    run(spark, ingest_args(tmp_path, DAY, DAY))
    raw = spark.read.parquet(str(tmp_path / "raw"))
    landed = [name for name in raw.columns if name not in ("_source_object", "_source_md5", "_source_bytes")]
    by_file: dict[str, list[list]] = {}
    for row in raw.orderBy("_line_number").collect():
        by_file.setdefault(Path(row["_source_object"]).name, []).append([row[name] for name in landed])
    assert by_file["b.parquet"] == by_file["a.parquet"] == by_file["c.parquet"]
    transaction, price = landed.index("transaction_id"), landed.index("unit_price")
    assert [(row[transaction], row[price]) for row in by_file["b.parquet"]] == [("P1", "1.5000"), ("P2", "0.0000")]


def test_raw_columns_are_text_then_lineage(landed):
    _, _, _, columns = landed
    assert columns[:11] == [
        "transaction_id",
        "sold_at",
        "store_id",
        "product_id",
        "product_name",
        "category",
        "brand",
        "quantity",
        "unit_price",
        "discount",
        "customer_id",
    ]
    assert columns[-11:] == [
        "_unparsed_line",
        "_source_record",  # the five columns of a source recipe's rows (null here: no recipe applies)
        "_recipe",
        "_recipe_sha256",
        "_recipe_failure",
        "_recipe_error",
        "_source_object",
        "_source_md5",
        "_source_bytes",
        "_line_number",
        "business_date",
    ]


def test_rerun_replaces_the_day_and_empties_it_when_its_files_are_gone(spark, tmp_path):
    files = write_landing(tmp_path / "landing")
    run(spark, ingest_args(tmp_path, DAY, DAY))
    files["csv"].unlink()
    assert run(spark, ingest_args(tmp_path, DAY, DAY))["rows_by_day"] == {DAY: 6}
    assert spark.read.parquet(str(tmp_path / "raw")).count() == 6
    shutil.rmtree(tmp_path / "landing" / "sales" / DAY)
    summary = run(spark, ingest_args(tmp_path, DAY, DAY))
    assert summary["empty_days"] == [DAY] and summary["objects"] == []
    assert not (tmp_path / "raw" / f"business_date={DAY}").exists()


def test_an_unsupported_object_fails_the_run_naming_it(spark, tmp_path):
    day = tmp_path / "landing" / "sales" / DAY
    day.mkdir(parents=True)
    (day / "sales.xlsx").write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"sales\.xlsx: not an accepted landing format"):
        run(spark, ingest_args(tmp_path, DAY, DAY))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("quantity,Quantity\n1,2\n", "columns ['quantity'] appear twice"),
        ("\ntransaction_id\nT1\n", "the first line is blank, where the CSV header belongs"),
    ],
)
def test_a_csv_file_without_a_usable_header_is_an_unreadable_object_named_with_its_problem(
    spark, tmp_path, text, problem
):
    day = tmp_path / "landing" / "sales" / DAY
    day.mkdir(parents=True)
    (day / "bad.csv").write_text(text)
    (day / "good.csv").write_text("transaction_id\nT1\n")
    summary = run(spark, ingest_args(tmp_path, DAY, DAY))
    (unreadable,) = summary["unreadable"]
    assert unreadable["object"].endswith("/bad.csv") and unreadable["problem"].startswith(problem)
    # One raw row stands for the object (line 0, the problem as its unparsed line); the good file loads.
    rows = spark.read.parquet(str(tmp_path / "raw")).select("_source_object", "_line_number", "_unparsed_line")
    by_file = {Path(row["_source_object"]).name: (row["_line_number"], row["_unparsed_line"]) for row in rows.collect()}
    assert by_file == {"bad.csv": (0, unreadable["problem"]), "good.csv": (2, None)}


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ('{"a": 1.50, "b": -0.0001, "c": 1e3}', {"a": "1.50", "b": "-0.0001", "c": "1e3"}),
        ('  {"A ": "x", "n": null, "o": {"k": [1, 2.0]}} ', {"a": "x", "n": None, "o": '{"k": [1, 2.0]}'}),
        ("{}", {}),
        ('{"a": 1, "A": 2}', None),  # the same column twice
        ('{"a": NaN}', None),
        ('{"a": 1,}', None),
        ('{"a": 1} x', None),
        ("[1, 2]", None),
        ('"text"', None),
    ],
)
def test_json_line_fields(line, fields):
    assert json_line_fields(line) == fields


# Lines Spark's from_json reads (flat, lower-case keys, plain strings, integers, literals) and lines only the
# Python reader reads exactly or refuses: the JSON Lines reader must give json_line_fields' answer for each.
JSON_LINES_BOTH_WAYS = [
    '{"transaction_id": "T1", "quantity": 12, "customer_id": null, "flag": true, "off": false}',
    ' \t{ "a" :"x:y, \u00e9" ,"b":-7 , "big": 123456789012345678901234567890}\t ',
    "{}",
    "{ }",
    '{"a": 0}',
    '{"a": "say: \\"hi\\""}',
    '{"a": "caf\\u00e9"}',
    '{"a": 1.50, "b": 1e3, "c": -0}',
    '{"a": -0}',
    '{"a": 01}',
    '{"a": 1, "a": 2}',
    '{"a": 1, "A": 2}',
    '{"TRANSACTION_ID": "T1", "Quantity": 2, "customer_ID": null}',
    '{"Store_Id": "S1", "store_id": "S2"}',
    '{"REASON": "x"}',
    '{"\\u00c4": 1}',
    '{"Ä": 1}',
    '{"A ": "x"}',
    '{"reason": "x", "business_date": "2017-03-12"}',
    '{"a": {"k": [1, 2.0]}, "b": [1]}',
    '{"a": "tab\there"}',
    '{"a": 1,}',
    '{"a": 1} x',
    '{"a": NaN}',
    "[1, 2]",
    '"text"',
    "{broken",
]


def test_the_json_lines_reader_gives_the_python_reader_fields_for_every_line(spark):
    lines = spark.createDataFrame([(line,) for line in JSON_LINES_BOTH_WAYS], f"{TEXT} string")
    read = {row[TEXT]: row[FIELDS] for row in _json_fields(lines).collect()}
    assert read == {line: json_line_fields(line) for line in JSON_LINES_BOTH_WAYS}


CSV_RECORDS_BLANK_OR_NOT = [
    ",,",
    " , ,\u00a0",
    '"","",""',
    '" ",\t,"\u3000"',
    '",",,',
    '"",x,',
    "a,b,c",
    '"""",,',
    ",,\u200b",
]


def test_the_csv_reader_skips_as_blank_exactly_the_records_the_python_reader_calls_blank(spark):
    rows = [(line, 1, ["a", "b", "c"]) for line in CSV_RECORDS_BLANK_OR_NOT]
    lines = spark.createDataFrame(rows, f"{TEXT} string, {LINE_INDEX} bigint, {HEADER} array<string>")
    kept = {row[TEXT] for row in _csv_fields(lines, [3]).collect()}
    assert kept == {line for line in CSV_RECORDS_BLANK_OR_NOT if not is_blank_record(next(csv_reader([line])))}
    assert len(kept) == 4


def test_business_days_are_inclusive_and_validated():
    assert business_days("2017-02-27", "2017-03-01") == ["2017-02-27", "2017-02-28", "2017-03-01"]
    for start, end in [
        ("2017-02-30", "2017-03-01"),
        ("2017-3-1", "2017-03-01"),
        ("../x", "2017-03-01"),
        ("2017-03-02", "2017-03-01"),
    ]:
        with pytest.raises(ValueError):
            business_days(start, end)


def test_job_arguments_ignore_what_glue_and_pipes_add():
    argv = [
        "--JOB_NAME",
        "j",
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--dagster-pipes-context",
        "e30=",
        "--raw_uri",
        "s3://lake/raw/sales",
    ]
    assert parse_job_args(["JOB_NAME", "raw_uri"], argv) == {"JOB_NAME": "j", "raw_uri": "s3://lake/raw/sales"}


@pytest.mark.parametrize("script", ["ingest_sales.py", "clean_sales.py"])
def test_a_script_run_without_its_arguments_says_which_are_missing(script):
    result = subprocess.run(
        [sys.executable, f"glue_scripts/{script}", "--start_date", DAY],
        check=False,
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": PROJECT_ROOT, "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "the following arguments are required: --JOB_NAME" in result.stderr
