"""The synthetic landing generator: deterministic, every kind of dirt, and expectations its files bear out."""

import argparse
import csv
import gzip
import io
import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts.sales_contract import (
    CONTRACT_COLUMNS,
    DECIMAL_PATTERN,
    DUPLICATE,
    INTEGER_PATTERN,
    NEGATIVE_PRICE,
    OUTSIDE_PARTITION,
    ZERO_QUANTITY,
    data_file_format,
    invalid_reason,
    missing_reason,
)
from retail_assets.cli import generate
from retail_assets.store_files.generator import (
    BAD_REASONS,
    EXTRA_COLUMN,
    SUFFIXES,
    generate_landing,
)
from retail_assets.store_files.timestamps import date_in, parse_sold_at

TIMEZONE = "America/New_York"
TZ = ZoneInfo(TIMEZONE)
START = date(2024, 3, 9)  # 2024-03-10 is the spring DST change in New York: a 23-hour business day
DAYS, ROWS, SEED = 3, 600, 7


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Three days of 600 rows."""
    root = tmp_path_factory.mktemp("landing")
    return generate_landing(root, START, DAYS, SEED, TIMEZONE, rows_per_day=ROWS)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """Column names as written, and rows keyed by lower-cased name (text, or typed values from parquet)."""
    file_format = data_file_format(path.name)
    if file_format == "parquet":
        table = pq.read_table(path)
        return table.column_names, [{k.lower(): v for k, v in row.items()} for row in table.to_pylist()]
    if file_format == "jsonl":
        records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        names = list(dict.fromkeys(name for record in records for name in record))
        return names, [{k.lower(): v for k, v in record.items()} for record in records]
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    names = next(reader)
    return names, [{name.lower(): value for name, value in zip(names, row, strict=True)} for row in reader]


def parse(kind: str, value):
    """A contract value parsed like the cleaning job does, or None when it does not parse."""
    if not isinstance(value, str):
        return value.astimezone(UTC) if isinstance(value, datetime) else value
    if kind == "timestamp":
        moment = parse_sold_at(value)
        return None if moment is None else (moment if moment.tzinfo else moment.replace(tzinfo=TZ)).astimezone(UTC)
    if kind == "integer":
        return int(Decimal(value)) if re.match(INTEGER_PATTERN, value) else None
    if kind == "decimal":
        return Decimal(value) if re.match(DECIMAL_PATTERN, value) else None
    return value


def apply_cleaning_rules(rows: list[dict], day: date) -> tuple[Counter, list[dict]]:
    """DESIGN.md's cleaning rules, written independently of the generator: (reasons, kept rows)."""
    reasons, kept, seen = Counter(), [], set()
    for row in rows:
        parsed, reason = {}, None
        for column in CONTRACT_COLUMNS:
            value = row.get(column.name)
            if value is None or value == "":
                reason = missing_reason(column.name) if column.required else None
                parsed[column.name] = Decimal(0) if column.name == "discount" else None
            elif (parsed_value := parse(column.kind, value)) is None:
                reason = invalid_reason(column.name)
            else:
                parsed[column.name] = parsed_value
            if reason:
                break
        if not reason and parsed["unit_price"] < 0:
            reason = NEGATIVE_PRICE
        elif not reason and parsed["quantity"] == 0:
            reason = ZERO_QUANTITY
        elif not reason and date_in(parsed["sold_at"], TZ) != day:
            reason = OUTSIDE_PARTITION
        elif not reason and tuple(parsed.values()) in seen:
            reason = DUPLICATE
        if reason:
            reasons[reason] += 1
        else:
            seen.add(tuple(parsed.values()))
            kept.append(parsed)
    return reasons, kept


def test_same_seed_same_bytes_and_other_seed_other_bytes(tmp_path):
    first = generate_landing(tmp_path / "a", START, 2, 11, TIMEZONE, rows_per_day=200)
    generate_landing(tmp_path / "b", START, 2, 11, TIMEZONE, rows_per_day=200)
    generate_landing(tmp_path / "c", START, 2, 12, TIMEZONE, rows_per_day=200)
    same, other = snapshot(tmp_path / "a"), snapshot(tmp_path / "c")
    assert same == snapshot(tmp_path / "b")
    assert sorted(same) == sorted(f"sales/{key.split('/', 1)[1]}" for key in first.keys)
    assert same.keys() != other.keys() or all(same[name] != other[name] for name in same)


def test_a_day_does_not_depend_on_the_range_around_it(tmp_path, generated):
    later = generate_landing(tmp_path, date(2024, 3, 10), 1, SEED, TIMEZONE, rows_per_day=ROWS)
    assert later.days[0] == generated.days[1]
    for key in later.keys:
        assert (tmp_path / key).read_bytes() == (generated.landing_root / key).read_bytes()


def test_report_matches_the_cleaning_rules_applied_to_the_files(generated):
    for expected in generated.days:
        rows = []
        for key in expected.keys:
            rows += read_rows(generated.landing_root / key)[1]
        reasons, kept = apply_cleaning_rules(rows, expected.business_date)
        assert len(rows) == expected.rows_written == ROWS
        assert dict(reasons) == dict(expected.quarantined)
        assert len(kept) == expected.cleaned_rows == ROWS - expected.quarantined_rows
        assert sum(1 for row in kept if row["quantity"] < 0) == expected.returns
        net = sum(row["quantity"] * row["unit_price"] - row["discount"] for row in kept)
        assert net == expected.net_revenue and isinstance(expected.net_revenue, Decimal)


def test_every_quarantine_reason_every_day_at_the_documented_rates(generated):
    for day in generated.days:
        assert set(day.quarantined) == {*BAD_REASONS, DUPLICATE}
        assert all(day.quarantined[reason] == 1 for reason in BAD_REASONS)  # 0.2% of 600, at least one
        assert day.quarantined[DUPLICATE] == 6  # 1%
    returns = sum(day.returns for day in generated.days) / sum(day.cleaned_rows for day in generated.days)
    assert 0.015 < returns < 0.05  # 3%


def test_mixed_formats_and_dialects(generated):
    suffixes, names, texts = set(), [], []
    for key in generated.keys:
        path = generated.landing_root / key
        columns, rows = read_rows(path)
        suffixes.add(next(suffix for suffix in SUFFIXES if key.endswith(suffix)))
        names.append(columns)
        if not key.endswith(".parquet"):
            texts += [row["sold_at"] for row in rows if isinstance(row.get("sold_at"), str)]
    assert suffixes == set(SUFFIXES)
    assert any(all(name.isupper() for name in columns) for columns in names)
    assert any([name.lower() for name in columns] != [c.name for c in CONTRACT_COLUMNS] for columns in names)
    assert sum(EXTRA_COLUMN in [name.lower() for name in columns] for columns in names) == DAYS
    with_offset = [text for text in texts if (moment := parse_sold_at(text)) and moment.tzinfo]
    assert 0.5 < len(with_offset) / len(texts) < 1  # most with an offset, some local wall-clock time


def test_parquet_holds_real_types_and_no_bad_rows(generated):
    for key in (key for key in generated.keys if key.endswith(".parquet")):
        table = pq.read_table(generated.landing_root / key)
        types = {name.lower(): field.type for name, field in zip(table.column_names, table.schema, strict=True)}
        assert types["quantity"] == pa.int64()
        assert types["unit_price"] == types["discount"] == pa.decimal128(18, 4)
        assert types["sold_at"] == pa.timestamp("us", tz="UTC")
        day = date.fromisoformat(key.split("/")[1])
        reasons, _ = apply_cleaning_rules(read_rows(generated.landing_root / key)[1], day)
        assert set(reasons) <= {DUPLICATE}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"days": 0}, "days"), ({"rows_per_day": 10}, "rows_per_day"), ({"timezone": "Mars/Base"}, "Mars/Base")],
)
def test_bad_arguments_are_refused(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        generate_landing(tmp_path, **{"start": START, "days": 1, "seed": 1, "timezone": TIMEZONE, **arguments})


def test_generate_command(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    generate.add_parser(parser.add_subparsers(), landing_root=tmp_path, timezone=TIMEZONE)
    args = parser.parse_args(["generate", "--days", "2", "--start", "2024-03-09", "--rows-per-day", "100"])
    assert args.func(args) == 0
    assert "200 rows in 16 files for 2 days (2024-03-09 .. 2024-03-10)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parser.parse_args(["generate", "--start", "2024-02-30"])
    assert "not a calendar day" in capsys.readouterr().err
