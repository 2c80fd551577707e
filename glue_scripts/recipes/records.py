"""The format step of a recipe: a landing object's bytes as records, each with its line number and landed text.

Pure Python, so that the same reader runs on Spark's executors (one whole object per task) and in the
`sources check` preview. Values stay as the text that landed; a record that does not parse keeps its text and
the reason, so that the mapping quarantines it instead of dropping it.
"""

import csv
import datetime
import decimal
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from glue_scripts.reading_rules import csv_reader, double_text, is_blank_line, is_blank_record, json_value
from glue_scripts.recipes.schema import (
    CsvFormat,
    FixedWidthFormat,
    JsonLinesFormat,
    ParquetFormat,
    RecipeSpec,
    WhitespaceFormat,
)
from glue_scripts.sales_contract import normalized_column_name, repeated_columns_problem, trimmed

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes surrogateescape kept because the encoding could not read them


@dataclass(frozen=True)
class Record:
    """One record of a landing object: fields by name (case-folded) or by path, or the reason it does not parse."""

    line_number: int  # 1-based line where the record starts; Parquet: 1-based row index
    text: str  # the record as it landed, decoded, without its line break (Parquet: the row as JSON)
    fields: dict | None  # tabular formats: by field_key of the name
    error: str | None = None


def field_key(name: str) -> str:
    """How a tabular source's column is matched: as the lake matches landed column names (trimmed, any case)."""
    return normalized_column_name(name)


def read_records(spec: RecipeSpec, data: bytes) -> Iterator[Record]:
    """Every record of an object in the recipe's format, in order; blank lines are not records."""
    fmt = spec.format
    if isinstance(fmt, ParquetFormat):
        yield from _parquet_records(data)
        return
    lines = text_lines(data, fmt.encoding)
    if isinstance(fmt, CsvFormat):
        yield from _csv_records(fmt, lines)
    elif isinstance(fmt, FixedWidthFormat):
        yield from _fixed_width_records(fmt, lines)
    elif isinstance(fmt, WhitespaceFormat):
        yield from _whitespace_records(fmt, lines)
    elif isinstance(fmt, JsonLinesFormat):
        yield from _json_records(lines)


def text_lines(data: bytes, encoding: str) -> list[tuple[int, str, str]]:
    """(line number, text, line break) of every line, decoded; undecodable bytes are marked, not replaced."""
    text = data.decode(encoding, errors="surrogateescape").removeprefix("\ufeff")
    stream = io.StringIO(text, newline="")  # splits at \n, \r\n and \r and keeps the break, as csv wants
    lines = []
    for number, line in enumerate(iter(stream.readline, ""), start=1):
        body = line.rstrip("\r\n")
        lines.append((number, body, line[len(body) :]))
    return lines


def landed_text(text: str) -> str:
    """Text storable as UTF-8: undecodable bytes become U+FFFD (the record is quarantined for them anyway)."""
    return _UNDECODABLE.sub("\ufffd", text)


def _undecodable(number: int, text: str, encoding: str) -> Record | None:
    """A record for a line holding bytes the encoding cannot read, or None when it decoded."""
    if _UNDECODABLE.search(text):
        return Record(number, landed_text(text), None, f"line {number} is not valid {encoding}")
    return None


def _data_lines(lines: list[tuple[int, str, str]], encoding: str) -> Iterator[tuple[int, str, Record | None]]:
    """Non-blank lines with, for one that did not decode, the record that says so."""
    for number, text, _ in lines:
        if not is_blank_line(text):
            yield number, text, _undecodable(number, text, encoding)


class _LineTap:
    """Feeds csv.reader one line at a time and keeps the lines of the record being read."""

    def __init__(self, lines: list[tuple[int, str, str]]):
        self._lines, self._next, self.taken = lines, 0, []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._next >= len(self._lines):
            raise StopIteration
        line = self._lines[self._next]
        self._next += 1
        self.taken.append(line)
        return line[1] + line[2]

    def take(self) -> list[tuple[int, str, str]]:
        """The lines of the record just read, forgetting them."""
        taken, self.taken = self.taken, []
        return taken


def _csv_records(fmt: CsvFormat, lines: list[tuple[int, str, str]]) -> Iterator[Record]:
    """Delimited records; a quoted field may span lines, so a record's text may hold line breaks."""
    tap = _LineTap(lines)
    reader = csv_reader(tap, delimiter=fmt.delimiter, quotechar=fmt.quote)
    names = None if fmt.header else [field_key(name) for name in fmt.columns]
    while True:
        try:
            fields, error = next(reader), None
        except StopIteration:
            break
        except csv.Error as problem:  # the reader starts afresh on the next line
            fields, error = None, f"malformed CSV: {problem}"
        record_lines = tap.take()
        if not record_lines:
            break
        start, text = record_lines[0][0], _joined(record_lines)
        if is_blank_line(text) or (fields is not None and is_blank_record(fields)):
            continue  # a blank line, or a spreadsheet's ',,,,', is not a record
        bad = _undecodable(start, text, fmt.encoding)
        if bad is not None or error is not None:
            yield bad or Record(start, text, None, f"line {start}: {error}")
        elif names is None:
            names = [field_key(name) for name in fields]
            if repeated_columns_problem(names):
                yield Record(start, text, None, f"the header's {repeated_columns_problem(names)}")
                return
        elif len(fields) != len(names):
            yield Record(start, text, None, f"{len(fields)} fields where there are {len(names)} columns")
        else:
            yield Record(start, text, dict(zip(names, fields)))


def _joined(record_lines) -> str:
    """The text of a record spanning lines, with its inner line breaks as they landed."""
    return "".join(text + brk for _, text, brk in record_lines[:-1]) + record_lines[-1][1]


def _fixed_width_records(fmt: FixedWidthFormat, lines: list[tuple[int, str, str]]) -> Iterator[Record]:
    """Fields cut at the declared positions and trimmed; a line too short for its last field is refused."""
    last_start = max(column.start for column in fmt.columns)
    for number, text, bad in _data_lines(lines[fmt.skip_lines :], fmt.encoding):
        if bad is not None:
            yield bad
        elif len(text) < last_start:
            yield Record(number, text, None, f"{len(text)} characters, but a column starts at {last_start}")
        else:
            fields = {field_key(c.name): trimmed(text[c.start - 1 : c.start - 1 + c.width]) for c in fmt.columns}
            yield Record(number, text, fields)


def _whitespace_records(fmt: WhitespaceFormat, lines: list[tuple[int, str, str]]) -> Iterator[Record]:
    """Fields split at runs of whitespace; the header, when there is one, names them."""
    names = None if fmt.header else [field_key(name) for name in fmt.columns]
    for number, text, bad in _data_lines(lines, fmt.encoding):
        if bad is not None:
            yield bad
        elif names is None:
            names = [field_key(name) for name in text.split()]
        elif len(values := text.split()) != len(names):
            yield Record(number, text, None, f"{len(values)} fields where there are {len(names)} columns")
        else:
            yield Record(number, text, dict(zip(names, values)))


def _json_records(lines: list[tuple[int, str, str]]) -> Iterator[Record]:
    """One JSON object per line; numbers keep the exact text they landed as (never a binary float)."""
    for number, text, bad in _data_lines(lines, "the encoding"):
        if bad is not None:
            yield bad
            continue
        try:
            value = json_value(text)
        except ValueError as error:
            yield Record(number, text, None, f"not JSON: {error}")
            continue
        if isinstance(value, dict):
            yield Record(number, text, value)
        else:
            yield Record(number, text, None, "not a JSON object")


def _parquet_records(data: bytes) -> Iterator[Record]:
    """The rows of a Parquet object, read by pyarrow, with their 1-based row index."""
    import pyarrow as pa  # only Parquet sources need it
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as error:
        # The whole object is one record the format step fails, quarantined with the reason, not a failed job.
        yield Record(1, "", None, f"not a readable Parquet file: {error}")
        return
    for index, row in enumerate(table.to_pylist(), start=1):
        yield Record(index, json.dumps(row, default=value_text, ensure_ascii=False), row)


def field_value(record: Record, reference: str, nested: bool) -> str | None:
    """A field's value as text: by case-folded name, or by dotted path (JSON Lines, Parquet); KeyError if absent."""
    if not nested:
        return record.fields[field_key(reference)]
    value = record.fields
    for part in reference.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None  # an absent key is a missing value, as a missing JSON key is
    if isinstance(value, (dict, list)):
        raise TypeError(f"{reference} is a JSON {'object' if isinstance(value, dict) else 'array'}, not a value")
    return value_text(value)


def value_text(value) -> str | None:
    """A JSON or Parquet value as the text a CSV export would hold."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float):
        return double_text(value)
    if isinstance(value, int):
        return repr(value)
    raise TypeError(f"a {type(value).__name__} value is not text")
