"""Hostile landing files through the real ingest and clean jobs: each quarantined with its reason, or named."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts import clean_sales, ingest_sales
from retail_assets.defs.checks.models import CLEANED_CHECKED, CleanedSales
from retail_assets.defs.checks.pandera_check import checked_frame, validate
from retail_assets.defs.checks.raw_checks import integrity_problems
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.defs.resources.pipeline import BUSINESS_TIMEZONE_ATTR
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE

HEADER = "transaction_id,sold_at,store_id,product_id,product_name,quantity,unit_price\n"
EMPTY, LATIN1, NUL, SPACES, DOUBLES, JSON_TEXT, NANOS, INT96, OVERFLOW, LINKS = (
    f"2024-03-{day:02d}" for day in range(1, 11)
)
FIRST, LAST = EMPTY, LINKS


def line(
    transaction: str, day: str, store: str = "S1", product: str = "P1", name: str = "", quantity="1", price="2.50"
):
    """One CSV data line."""
    return f"{transaction},{day} 10:00:00,{store},{product},{name},{quantity},{price}\n"


def typed_parquet(day: str, prices: list, prefix: str = "D") -> pa.Table:
    """A Parquet table with typed columns: a UTC sold_at, an int quantity and a double unit_price."""
    rows = len(prices)
    return pa.table(
        {
            "transaction_id": [f"{prefix}{index}" for index in range(rows)],
            "sold_at": pa.array(
                [datetime.datetime.fromisoformat(f"{day}T15:00:00+00:00")] * rows, pa.timestamp("us", "UTC")
            ),
            "store_id": ["S1"] * rows,
            "product_id": [f"P{index}" for index in range(rows)],
            "quantity": pa.array([1] * rows, pa.int64()),
            "unit_price": pa.array(prices, pa.float64()),
        }
    )


def write_hostile_landing(root: Path, outside: Path) -> None:
    """One day per kind of hostile file, each next to a good line where the kind allows."""
    for day in (EMPTY, LATIN1, NUL, SPACES, DOUBLES, JSON_TEXT, NANOS, INT96, OVERFLOW, LINKS):
        (root / "sales" / day).mkdir(parents=True)

    def put(day: str, name: str, data: bytes) -> Path:
        path = root / "sales" / day / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    put(EMPTY, "good.csv", (HEADER + line("E1", EMPTY)).encode())
    put(EMPTY, "header_only.csv", HEADER.encode())
    put(EMPTY, "header_and_blank_lines.csv", (HEADER + "\n  \n,,,,,,\n").encode())
    pq.write_table(typed_parquet(EMPTY, []), root / "sales" / EMPTY / "no_rows.parquet")
    put(LATIN1, "latin1.csv", (HEADER + line("L1", LATIN1, name="Café crème") + line("L2", LATIN1)).encode("latin-1"))
    put(NUL, "nul.csv", (HEADER + line("N1", NUL, name="bad\x00name") + line("N2", NUL, store="S\x001")).encode())
    put(
        SPACES,
        "nbsp.csv",
        (
            HEADER + line("W1", SPACES, store="ST_M50\u00a0", quantity="\u00a01\u00a0", product="\u200bP1\u2003")
        ).encode(),
    )
    pq.write_table(
        typed_parquet(DOUBLES, [0.0001, 12345678.0, 0.1 + 0.2, 2.5]), root / "sales" / DOUBLES / "doubles.parquet"
    )
    put(
        JSON_TEXT,
        "objects.jsonl",
        (
            f'{{"transaction_id": "J1", "sold_at": "{JSON_TEXT} 10:00:00", "store_id": {{"id": "S1"}}, '
            '"product_id": "P1", "quantity": 1, "unit_price": 2.5}\n'
            f'{{"transaction_id": "J2", "sold_at": "{JSON_TEXT} 10:00:00", "store_id": "S1", '
            '"product_id": ["P1", "P2"], "quantity": 1, "unit_price": 2.5}\n'
            f'{{"transaction_id": "J3", "sold_at": "{JSON_TEXT} 10:00:00", "store_id": "S1", '
            '"product_id": "P1", "product_name": "[new] tea", "quantity": 1, "unit_price": 2.5}\n'
        ).encode(),
    )
    frame = pd.DataFrame(
        {
            "transaction_id": ["T1"],
            "sold_at": [pd.Timestamp(f"{NANOS} 15:00:00.123456789", tz="UTC")],
            "local_time": [pd.Timestamp(f"{NANOS} 10:00:00.000000001")],
            "store_id": ["S1"],
            "product_id": ["P1"],
            "quantity": [2],
            "unit_price": ["1.25"],
        }
    )
    frame.to_parquet(root / "sales" / NANOS / "pandas.parquet")  # pandas' default: TIMESTAMP(NANOS)
    int96 = typed_parquet(INT96, [1.5], prefix="I")
    pq.write_table(int96, root / "sales" / INT96 / "int96.parquet", use_deprecated_int96_timestamps=True)
    big = "60000000000"
    put(
        OVERFLOW,
        "big.csv",
        (
            HEADER
            + line("O1", OVERFLOW, product="BIG", quantity=big, price="1000")
            + line("O2", OVERFLOW, product="BIG", quantity=big, price="1000")
            + line("O3", OVERFLOW, product="SMALL")
        ).encode(),
    )
    put(LINKS, "good.csv", (HEADER + line("K1", LINKS)).encode())
    outside.write_text(HEADER + line("SECRET", LINKS))
    os.symlink(outside, root / "sales" / LINKS / "link.csv")
    os.symlink("..", root / "sales" / LINKS / "loop")


@pytest.fixture(scope="module")
def jobs(spark, tmp_path_factory):
    """One ingest and one clean run over every hostile day: the summaries and the rows by transaction."""
    tmp = tmp_path_factory.mktemp("hostile")
    write_hostile_landing(tmp / "landing", tmp / "outside.csv")
    lake = LocalLake(landing_root=str(tmp / "landing"), lake_root=str(tmp / "lake"))
    uris = {zone: str(tmp / "lake" / zone / "sales") for zone in ("raw", "cleaned", "quarantine")}
    ingested = ingest_sales.run(
        spark,
        {"landing_uri": str(tmp / "landing"), "raw_uri": uris["raw"], "start_date": FIRST, "end_date": LAST},
    )
    counts = clean_sales.run(
        spark,
        {
            "raw_uri": uris["raw"],
            "cleaned_uri": uris["cleaned"],
            "quarantine_uri": uris["quarantine"],
            "start_date": FIRST,
            "end_date": LAST,
            "business_timezone": BUSINESS_TIMEZONE,
        },
    )
    tables = {zone: pq.read_table(uris[zone]).to_pylist() for zone in ("raw", "cleaned", "quarantine")}
    return lake, ingested, counts, tables


def by_transaction(rows: list[dict]) -> dict[str, dict]:
    """Rows by transaction id."""
    return {row["transaction_id"]: row for row in rows}


def test_every_landed_row_is_cleaned_or_quarantined_once(jobs):
    _, ingested, counts, _ = jobs
    assert counts.landed == ingested["rows_by_day"]
    counts.check_every_row_once()


def test_empty_exports_are_legitimate_and_their_day_loads(jobs):
    lake, ingested, counts, _ = jobs
    rows = {Path(obj["object"]).name: obj["rows"] for obj in ingested["objects"] if f"/{EMPTY}/" in obj["object"]}
    assert rows == {"good.csv": 1, "header_only.csv": 0, "header_and_blank_lines.csv": 0, "no_rows.parquet": 0}
    assert integrity_problems(lake, EMPTY) == []
    assert counts.cleaned[EMPTY] == 1


def test_invalid_utf8_is_quarantined_as_invalid_encoding_never_mojibake(jobs):
    _, _, _, tables = jobs
    quarantined = by_transaction(tables["quarantine"])
    assert quarantined["L1"]["reason"] == "invalid_encoding"
    assert quarantined["L1"]["_source_object"].endswith("latin1.csv") and quarantined["L1"]["_line_number"] == 2
    assert "L2" in by_transaction(tables["cleaned"])
    assert not [row for row in tables["cleaned"] if "\ufffd" in str(row.values())]


def test_nul_characters_are_quarantined(jobs):
    _, _, _, tables = jobs
    quarantined = by_transaction(tables["quarantine"])
    assert quarantined["N1"]["reason"] == quarantined["N2"]["reason"] == "nul_character"
    assert not [row for row in tables["cleaned"] if "\x00" in str(row.values())]


def test_unicode_whitespace_and_zero_width_spaces_are_trimmed_everywhere(jobs):
    _, _, _, tables = jobs
    kept = by_transaction(tables["cleaned"])["W1"]
    assert (kept["store_id"], kept["product_id"], kept["quantity"]) == ("ST_M50", "P1", 1)


def test_typed_doubles_are_read_as_their_shortest_round_trip_text(jobs):
    _, _, _, tables = jobs
    raw = {
        row["transaction_id"]: row["unit_price"]
        for row in tables["raw"]
        if row["_source_object"].endswith("doubles.parquet")
    }
    assert raw == {"D0": "0.0001", "D1": "12345678.0", "D2": "0.30000000000000004", "D3": "2.5"}
    kept = by_transaction(tables["cleaned"])
    assert (kept["D0"]["unit_price"], kept["D1"]["unit_price"]) == (Decimal("0.0001"), Decimal("12345678.0000"))
    assert by_transaction(tables["quarantine"])["D2"]["reason"] == "invalid_unit_price"


def test_a_json_object_or_array_in_a_string_column_is_invalid(jobs):
    _, _, _, tables = jobs
    quarantined = by_transaction(tables["quarantine"])
    assert quarantined["J1"]["reason"] == "invalid_store_id"
    assert quarantined["J2"]["reason"] == "invalid_product_id"
    assert by_transaction(tables["cleaned"])["J3"]["product_name"] == "[new] tea"  # text that only looks like JSON


def test_nanosecond_and_int96_parquet_timestamps_are_read(jobs):
    _, _, _, tables = jobs
    raw = by_transaction(tables["raw"])
    assert raw["T1"]["sold_at"] == f"{NANOS}T15:00:00.123456789Z"
    assert raw["T1"]["local_time"] == f"{NANOS}T10:00:00.000000001"
    # An INT96 value is an instant, written with the offset of the session's time zone (UTC in the real job).
    assert datetime.datetime.fromisoformat(raw["I0"]["sold_at"]) == datetime.datetime(
        2024, 3, 8, 15, tzinfo=datetime.UTC
    )
    kept = by_transaction(tables["cleaned"])
    assert kept["T1"]["sold_at"] == datetime.datetime(2024, 3, 7, 15, 0, 0, 123456, tzinfo=datetime.UTC)
    assert kept["I0"]["sold_at"] == datetime.datetime(2024, 3, 8, 15, tzinfo=datetime.UTC)


def test_lines_whose_day_total_cannot_be_represented_are_quarantined_naming_it(jobs):
    _, _, counts, tables = jobs
    quarantined = by_transaction(tables["quarantine"])
    assert quarantined["O1"]["reason"] == quarantined["O2"]["reason"] == "invalid_day_total"
    assert by_transaction(tables["cleaned"])["O3"]["product_id"] == "SMALL"
    assert counts.reasons[OVERFLOW] == {"invalid_day_total": 2}


def test_links_in_the_landing_folder_are_never_read(jobs):
    _, ingested, _, tables = jobs
    assert "SECRET" not in by_transaction(tables["raw"])
    assert [Path(obj["object"]).name for obj in ingested["objects"] if f"/{LINKS}/" in obj["object"]] == ["good.csv"]


def test_the_cleaned_model_refuses_nul_and_undecodable_characters(jobs):
    lake, _, _, _ = jobs
    rows = lake.read_days("cleaned", "sales", [SPACES], columns=list(CLEANED_CHECKED))
    frame = checked_frame(rows)
    frame.attrs[BUSINESS_TIMEZONE_ATTR] = BUSINESS_TIMEZONE
    assert validate(CleanedSales, frame, dg.AssetCheckSeverity.ERROR).passed
    for bad in ("S\x001", "Caf\ufffd"):
        broken = frame.copy()
        broken.attrs = frame.attrs
        broken["store_id"] = bad
        result = validate(CleanedSales, broken, dg.AssetCheckSeverity.ERROR)
        assert not result.passed
        assert "no_nul_or_undecodable_characters" in str(result.metadata)
