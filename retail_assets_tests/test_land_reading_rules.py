"""`land` and the ingest job read landing files by one set of rules: what one accepts or refuses, so does the other."""

import argparse
import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts.reading_rules import column_names, csv_header
from retail_assets.cli import land
from retail_assets.store_files.splitter import LandingError, land_files

TIMEZONE = "America/New_York"
HEADER = "transaction_id,sold_at,store_id,product_id,quantity,unit_price\n"
LINE = "T1,2024-05-01 10:00:00,S1,P1,1,2.50\n"


def land_one(tmp_path: Path, name: str, content: bytes):
    """Land one file; returns the report and the landing root."""
    (tmp_path / name).write_bytes(content)
    root = tmp_path / "root"
    return land_files([tmp_path / name], root, TIMEZONE), root


@pytest.mark.parametrize(
    "header",
    [
        "transaction_id,sold_at,quantity,quantity",
        "transaction_id,sold_at,quantity,quantity ",
        "sold_at,Quantity,quantity\u00a0",
    ],
)
def test_repeated_csv_columns_are_refused_by_land_with_ingests_message(tmp_path, header):
    content = f"{header}\nT1,2024-05-01 10:00:00,1,2\n".encode()
    with pytest.raises(ValueError) as ingest_error:
        csv_header(header, str(tmp_path / "twice.csv"))  # what the ingest job says of the same header
    with pytest.raises(LandingError) as land_error:
        land_one(tmp_path, "twice.csv", content)
    assert str(ingest_error.value) in str(land_error.value)
    assert "columns ['quantity'] appear twice" in str(land_error.value)


def test_repeated_parquet_columns_are_refused_by_land(tmp_path):
    table = pa.table({"sold_at": ["2024-05-01 10:00:00"], "quantity": ["1"], "Quantity": ["2"]})
    pq.write_table(table, tmp_path / "twice.parquet")
    with pytest.raises(LandingError, match=r"twice\.parquet: columns \['quantity'\] appear twice"):
        land_files([tmp_path / "twice.parquet"], tmp_path / "root", TIMEZONE)
    with pytest.raises(ValueError, match=r"columns \['quantity'\] appear twice"):
        column_names(table.column_names, "twice.parquet")


def test_what_ingest_reads_as_blank_lands_as_blank(tmp_path):
    # Spaces-only lines, ",,,," records, whitespace-only fields: ingest skips them as blank lines; land too.
    content = HEADER + "   \n" + LINE + ",,,,,\n" + " , ,\u00a0, , , \n" + "\t\n"
    report, root = land_one(tmp_path, "blanks.csv", content.encode())
    assert report.rows == 1
    assert (root / "sales/2024-05-01/blanks.csv").read_text() == HEADER + LINE


def test_a_one_megabyte_field_lands(tmp_path):
    name = "x" * (1 << 20)
    report, root = land_one(
        tmp_path, "big.csv", (HEADER.strip() + ",product_name\n" + LINE.strip() + f",{name}\n").encode()
    )
    assert report.rows == 1
    assert name in (root / "sales/2024-05-01/big.csv").read_text()


def test_whitespace_around_sold_at_is_trimmed_as_cleaning_trims_it(tmp_path):
    content = HEADER + "T1,  2024-05-01 23:30:00\u00a0,S1,P1,1,2.50\n" + 'T2," 2024-05-02T01:00:00Z ",S1,P1,1,2\n'
    report, _ = land_one(tmp_path, "spaces.csv", content.encode())
    assert report.rows_per_day() == {datetime.date(2024, 5, 1): 2}  # 01:00Z is 21:00 the day before in New York


def test_json_lines_with_a_byte_order_mark_land(tmp_path):
    content = '\ufeff{"sold_at": "2024-05-01 10:00:00", "quantity": 1}\n{"sold_at": "2024-05-02 10:00:00"}\n'
    report, root = land_one(tmp_path, "bom.jsonl", content.encode())
    assert report.rows_per_day() == {datetime.date(2024, 5, 1): 1, datetime.date(2024, 5, 2): 1}
    assert (root / "sales/2024-05-02/bom.jsonl").read_text() == '{"sold_at": "2024-05-02 10:00:00"}\n'


def test_a_json_line_with_a_repeated_key_is_refused_as_ingest_refuses_it(tmp_path):
    content = b'{"sold_at": "2024-05-01 10:00:00", "quantity": 1, "Quantity": 2}\n'
    with pytest.raises(LandingError, match=r"twice\.jsonl: line 1: not a JSON object"):
        land_one(tmp_path, "twice.jsonl", content)


def timestamps_table() -> pa.Table:
    """Two sales, one each side of midnight in New York."""
    moments = [datetime.datetime(2024, 5, 1, 14, 0, 0, 123456), datetime.datetime(2024, 5, 2, 3, 59)]
    return pa.table({"transaction_id": ["T1", "T2"], "sold_at": pa.array(moments, pa.timestamp("us", tz="UTC"))})


def test_land_keeps_int96_timestamps_int96(tmp_path):
    pq.write_table(timestamps_table(), tmp_path / "int96.parquet", use_deprecated_int96_timestamps=True)
    report, root = land_files([tmp_path / "int96.parquet"], tmp_path / "root", TIMEZONE), tmp_path / "root"
    assert report.rows_per_day() == {datetime.date(2024, 5, 1): 2}
    landed = pq.ParquetFile(root / "sales/2024-05-01/int96.parquet")
    assert landed.schema.column(1).physical_type == "INT96"  # never rewritten as TIMESTAMP(NANOS)
    assert (
        landed.read().column("sold_at").to_pylist() == pq.read_table(tmp_path / "int96.parquet")["sold_at"].to_pylist()
    )


def test_land_keeps_a_pandas_files_nanosecond_timestamps(tmp_path):
    frame = pd.DataFrame({"transaction_id": ["T1"], "sold_at": [pd.Timestamp("2024-05-01 14:00:00.123456789")]})
    frame.to_parquet(tmp_path / "pandas.parquet")  # pandas' default: TIMESTAMP(NANOS)
    land_files([tmp_path / "pandas.parquet"], tmp_path / "root", TIMEZONE)
    landed = pq.read_table(tmp_path / "root/sales/2024-05-01/pandas.parquet")
    assert landed.column("sold_at").to_pylist() == pq.read_table(tmp_path / "pandas.parquet")["sold_at"].to_pylist()


def test_land_warns_of_days_outside_the_partitions(tmp_path, capsys):
    content = HEADER + LINE + "T2,9999-12-31 10:00:00,S1,P1,1,2\n" + "T3,0001-01-01 10:00:00,S1,P1,1,2\n"
    (tmp_path / "odd.csv").write_text(content)
    parser = argparse.ArgumentParser()
    land.add_parser(
        parser.add_subparsers(), landing_root=tmp_path / "root", timezone=TIMEZONE, partitions_start="2024-01-01"
    )
    args = parser.parse_args(["land", str(tmp_path / "odd.csv")])
    assert args.func(args) == 0
    err = capsys.readouterr().err
    assert "land: warning: sales/9999-12-31/odd.csv: 9999-12-31 is outside the partitions (2024-01-01 to " in err
    assert "land: warning: sales/0001-01-01/odd.csv: 0001-01-01 is outside the partitions" in err
    assert "2024-05-01" not in err
