"""Landing files split by business day: the Complete Journey sample, every format, and files that cannot land."""

import argparse
import gzip
import hashlib
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_assets.cli import land
from retail_assets.store_files import splitter
from retail_assets.store_files.splitter import LandingError, land_files
from retail_assets.store_files.timestamps import business_date_of

SAMPLE = Path("/work/shared/data/complete_journey/sales_2017.csv")  # read-only: read in place, never written
TIMEZONE = "America/New_York"
HEADER = b"transaction_id,sold_at,store_id,product_id,quantity,unit_price\n"


@pytest.fixture(scope="module")
def sample():
    """The sample's lines (header first) and each data line's business date, computed with pandas."""
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    assert len(frame) == len(lines) - 1  # no quoted line breaks: one line per row
    local = pd.to_datetime(frame["sold_at"], utc=True, format="ISO8601").dt.tz_convert(TIMEZONE).dt.date
    return lines, frame, list(local)


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    """The whole sample landed once."""
    root = tmp_path_factory.mktemp("landing")
    return root, land_files([SAMPLE], root, TIMEZONE)


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under root by relative path."""
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def test_rows_per_day_match_pandas(landed, sample):
    _, report = landed
    expected = Counter(sample[2])
    assert report.rows_per_day() == dict(sorted(expected.items()))
    assert len(report.objects) == 364 and report.rows == 75_000
    assert {date(2017, 3, 12), date(2017, 11, 5)} <= set(report.rows_per_day())  # both DST change days
    assert date(2017, 12, 25) not in report.rows_per_day()


def test_objects_hold_the_days_lines_unchanged(landed, sample):
    root, report = landed
    lines, _, days = sample
    landed_lines = Counter()
    for landed_object in report.objects:
        assert landed_object.key == f"sales/{landed_object.business_date}/sales_2017.csv"
        header, *rows = (root / landed_object.key).read_bytes().splitlines(keepends=True)
        assert header == lines[0] and len(rows) == landed_object.rows
        landed_lines.update((landed_object.business_date, row) for row in rows)
    assert landed_lines == Counter(zip(days, lines[1:], strict=True))


def test_rows_move_to_their_local_day_not_their_utc_day(landed, sample):
    root, _ = landed
    lines, frame, days = sample
    utc_days = list(pd.to_datetime(frame["sold_at"], utc=True, format="ISO8601").dt.date)
    moved = [index for index, (local, utc) in enumerate(zip(days, utc_days, strict=True)) if local != utc]
    assert 0.15 < len(moved) / len(days) < 0.19  # the README's 17%
    line, local, utc = lines[moved[0] + 1], days[moved[0]], utc_days[moved[0]]
    assert line in (root / f"sales/{local}/sales_2017.csv").read_bytes()
    assert (
        not (root / f"sales/{utc}/sales_2017.csv").exists()
        or line not in (root / f"sales/{utc}/sales_2017.csv").read_bytes()
    )


def test_landing_again_is_idempotent(landed):
    root, report = landed
    before = digests(root)
    again = land_files([SAMPLE], root, TIMEZONE)
    assert again.keys == report.keys and digests(root) == before


def test_jsonl_parquet_and_gzip_inputs_split_too(tmp_path, sample):
    _, frame, days = sample
    part = frame.iloc[:3000]
    expected = dict(sorted(Counter(days[:3000]).items()))
    part.to_json(tmp_path / "part.jsonl", orient="records", lines=True)
    with gzip.open(tmp_path / "part.csv.gz", "wt", newline="") as stream:
        part.to_csv(stream, index=False)
    typed = part.assign(sold_at=pd.to_datetime(part["sold_at"], utc=True, format="ISO8601"))
    typed.rename(columns=str.upper).to_parquet(tmp_path / "typed.parquet", index=False)
    part.to_parquet(tmp_path / "text.parquet", index=False)
    for name in ("part.jsonl", "part.csv.gz", "typed.parquet", "text.parquet"):
        root = tmp_path / f"root-{name}"
        report = land_files([tmp_path / name], root, TIMEZONE)
        assert report.rows_per_day() == expected, name
        assert all(key.endswith(f"/{name}") for key in report.keys)
    source = pq.read_schema(tmp_path / "typed.parquet")
    for landed_object in land_files([tmp_path / "typed.parquet"], tmp_path / "again", TIMEZONE).objects:
        table = pq.read_table(tmp_path / "again" / landed_object.key)
        assert table.schema.equals(source, check_metadata=True) and table.num_rows == landed_object.rows
        local = table.column("SOLD_AT").to_pandas().dt.tz_convert(TIMEZONE).dt.date
        assert set(local) == {landed_object.business_date}


def test_many_days_with_few_open_parts_give_the_same_objects(tmp_path, sample, monkeypatch):
    _, frame, _ = sample
    shuffled = frame.iloc[:2000].sample(frac=1, random_state=1)  # days interleave: parts get evicted often
    shuffled.to_csv(tmp_path / "mixed.csv", index=False)
    shuffled.to_parquet(tmp_path / "mixed.parquet", index=False)
    files = [tmp_path / "mixed.csv", tmp_path / "mixed.parquet"]
    land_files(files, tmp_path / "wide", TIMEZONE)
    monkeypatch.setattr(splitter, "MAX_OPEN_PARTS", 3)
    monkeypatch.setattr(splitter, "PARQUET_BATCH_ROWS", 100)
    report = land_files(files, tmp_path / "narrow", TIMEZONE)
    for key in report.keys:
        wide, narrow = tmp_path / "wide" / key, tmp_path / "narrow" / key
        if key.endswith(".csv"):
            assert wide.read_bytes() == narrow.read_bytes()
        else:
            assert pq.read_table(wide).equals(pq.read_table(narrow))


def test_bytes_are_kept_crlf_quotes_and_a_last_line_without_newline(tmp_path):
    source = tmp_path / "store.csv"
    source.write_bytes(
        b'id,"SOLD_AT",name\r\n1,2024-03-09T23:30:00-05:00,"two\r\nlines"\r\n2,2024-03-10T04:30:00Z,"say ""hi"""'
    )
    report = land_files([source], tmp_path / "root", TIMEZONE)
    assert report.rows_per_day() == {date(2024, 3, 9): 2}
    landed = (tmp_path / "root" / "sales/2024-03-09/store.csv").read_bytes()
    assert landed == source.read_bytes() + b"\r\n"


def test_two_files_of_a_day_are_both_kept(tmp_path):
    for name in ("morning.csv", "evening.csv"):
        (tmp_path / name).write_bytes(HEADER + b"T1,2024-05-01 10:00:00,S1,P1,1,2.50\n")
    report = land_files([tmp_path / "morning.csv", tmp_path / "evening.csv"], tmp_path / "root", TIMEZONE)
    assert report.keys == ("sales/2024-05-01/morning.csv", "sales/2024-05-01/evening.csv")
    assert report.rows_per_day() == {date(2024, 5, 1): 2}


GOOD = HEADER + b"T1,2024-05-01 10:00:00,S1,P1,1,2.50\nT2,2024-05-02T10:00:00Z,S1,P1,1,2.50\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ragged.csv", GOOD + b"T3,2024-05-02 10:00:00,S1,P1,1\n", "line 4: 5 fields where the header has 6"),
        ("latin1.csv", HEADER + b"T1,2024-05-01 10:00:00,Caf\xe9,P1,1,2.50\n", "line 2: not UTF-8"),
        ("date.csv", GOOD + b"T3,05/02/2024 10:00,S1,P1,1,2.50\n", "line 4: sold_at '05/02/2024 10:00' is not"),
        ("empty_date.csv", GOOD + b"T3,,S1,P1,1,2.50\n", "line 4: sold_at '' is not"),
        ("no_column.csv", b"transaction_id,when\nT1,2024-05-01 10:00:00\n", r"line 1 \(header\): no sold_at column"),
        ("quote.csv", GOOD + b'T3,2024-05-02 10:00:00,"S1,P1,1,2.50\n', "line 4: malformed CSV"),
        ("bad.jsonl", b'{"sold_at": "2024-05-01T10:00:00Z"}\n{"sold_at": "2024-05-01T1\n', "line 2: not JSON"),
        ("null.jsonl", b'{"sold_at": "2024-05-01T10:00:00Z"}\n{"SOLD_AT": null}\n', "line 2: sold_at None is not"),
        ("list.jsonl", b'["2024-05-01T10:00:00Z"]\n', "line 1: not a JSON object"),
        ("broken.csv.gz", gzip.compress(GOOD)[:-12], "cannot read it"),
        ("broken.parquet", b"PAR1 not really", "cannot read it"),
        ("notes.txt", b"hello", "not a landing data file"),
        ("_hidden.csv", GOOD, "would be ignored as hidden"),
        ("LOUD.CSV.GZ", gzip.compress(GOOD), "lower-case .csv.gz"),
    ],
)
def test_a_bad_file_names_file_and_line_and_lands_nothing(tmp_path, name, content, message):
    (tmp_path / "good.csv").write_bytes(GOOD)
    (tmp_path / name).write_bytes(content)
    with pytest.raises(LandingError, match=message) as error:
        land_files([tmp_path / "good.csv", tmp_path / name], tmp_path / "root", TIMEZONE)
    assert str(tmp_path / name) in str(error.value)
    assert not (tmp_path / "root").exists()  # not even the good file of the same call


def test_parquet_sold_at_that_is_not_a_timestamp_is_refused(tmp_path):
    pq.write_table(pa.table({"sold_at": [date(2024, 5, 1)], "x": [1]}), tmp_path / "dates.parquet")
    pq.write_table(pa.table({"sold_at": ["2024-05-01 10:00:00", None]}), tmp_path / "nulls.parquet")
    with pytest.raises(LandingError, match="sold_at has type date32"):
        land_files([tmp_path / "dates.parquet"], tmp_path / "root", TIMEZONE)
    with pytest.raises(LandingError, match="row 2: sold_at None is not"):
        land_files([tmp_path / "nulls.parquet"], tmp_path / "root", TIMEZONE)


def test_same_name_twice_and_unknown_timezone_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.csv").write_bytes(GOOD)
    (tmp_path / "x.csv").write_bytes(GOOD)
    with pytest.raises(LandingError, match="same name"):
        land_files([tmp_path / "x.csv", tmp_path / "a" / "x.csv"], tmp_path / "root", TIMEZONE)
    with pytest.raises(LandingError, match="not an IANA timezone"):
        land_files([tmp_path / "x.csv"], tmp_path / "root", "Mars/Base")


@pytest.mark.parametrize(
    ("sold_at", "expected"),
    [
        ("2017-01-01 07:30:27-05:00", date(2017, 1, 1)),
        ("2017-01-02T03:59:59.999999999Z", date(2017, 1, 1)),  # fraction truncated, as Spark does
        ("2017-01-01 07:30:27+0530", date(2016, 12, 31)),
        ("2017-01-01T07:30:00+05", date(2016, 12, 31)),
        ("2017-03-12 02:30:00", date(2017, 3, 12)),  # inside the DST gap: moved forward, same day
        ("2017-11-05 01:30:00", date(2017, 11, 5)),  # repeated hour
        ("2017-01-01T07:30", date(2017, 1, 1)),
        ("2017-01-01T07:30+05:00", None),  # Spark's CAST: an offset needs seconds
        ("2017-01-01T10:00:00+05:99", None),
        ("2017-01-01T10:00:00+19:00", None),  # past java.time's +/-18:00
        ("2017-02-30 10:00:00", None),
        ("2017-01-01 7:30:00", None),
        ("", None),
    ],
)
def test_business_date_of_agrees_with_spark_cast(sold_at, expected):
    # Expected values were taken from Spark 3.5 CAST(... AS TIMESTAMP), session tz America/New_York, ANSI off.
    assert business_date_of(sold_at, ZoneInfo(TIMEZONE)) == expected


def test_land_command(tmp_path, capsys):
    (tmp_path / "good.csv").write_bytes(GOOD)
    (tmp_path / "bad.csv").write_bytes(GOOD + b"T3,2024-05-02 10:00:00\n")
    parser = argparse.ArgumentParser()
    land.add_parser(parser.add_subparsers(), landing_root=tmp_path / "root", timezone=TIMEZONE)
    args = parser.parse_args(["land", str(tmp_path / "good.csv")])
    assert args.func(args) == 0
    assert "2024-05-01          1 rows" in capsys.readouterr().out
    args = parser.parse_args(["land", str(tmp_path / "bad.csv")])
    assert args.func(args) == 2
    assert f"{tmp_path / 'bad.csv'}: line 4" in capsys.readouterr().err
