"""Reading rules of landing text that `land` and the ingest job share: column names, CSV records, JSON Lines.

Pure Python (no Spark), so that the `land` command and the ingest job refuse and accept the same files with the
same messages.
"""

import csv
import json
import re

from glue_scripts.sales_contract import (
    BLANK_LINE_PATTERN,
    NOT_UTF8_OBJECT,
    NUL,
    RAW_SYSTEM_COLUMNS,
    REASON,
    REPLACEMENT_CHARACTER,
    normalized_column_name,
    repeated_columns_problem,
    trimmed,
)

# Working columns of the Spark readers: a row's file as Spark reports it (input_file_name), that file's format and
# CSV header, a text row's fields by column name, and its 0-based line index.
FILE, FORMAT, HEADER = "_file", "_format", "_header"
TEXT, LINE_INDEX, FIELDS, PARTITION = "_text", "_line_index", "_fields", "_partition"
# Names raw, quarantine and the readers use for themselves; a landed column so named lands as landed_<name>.
RESERVED_COLUMNS = frozenset(
    {REASON, *RAW_SYSTEM_COLUMNS} | {FILE, FORMAT, HEADER, TEXT, LINE_INDEX, FIELDS, PARTITION}
)
# Spark's CSV reader has no limit on a field's length; Python's csv module stops at 128 KiB unless told otherwise.
_CSV_FIELD_LIMIT = (1 << 31) - 1
_BLANK_LINE = re.compile(BLANK_LINE_PATTERN)
# JSON's own whitespace (RFC 8259), around tokens; the Spark reader's line pattern uses it too.
JSON_SPACE_CLASS = r"[ \t\r\n]"
_JSON_SPACE = re.compile(f"{JSON_SPACE_CLASS}*")


def column_name(landed: str) -> str:
    """A landed column name as raw stores it (normalized_column_name), never the name of a system column."""
    name = normalized_column_name(landed)
    return f"landed_{name}" if name in RESERVED_COLUMNS else name


def column_names(landed: list[str], source: str) -> list[str]:
    """The raw names of a file's columns (an empty one is _c<position>); ValueError naming the file if two collide."""
    names = [column_name(name) or f"_c{position}" for position, name in enumerate(landed)]
    problem = repeated_columns_problem(names)
    if problem:
        raise ValueError(f"{source}: {problem}")
    return names


def csv_reader(lines, delimiter: str = ",", quotechar: str = '"'):
    """csv.reader over lines, RFC 4180 strict, with no limit on a field's length (Spark has none).

    A source recipe may name another delimiter and quote; the landing contract's CSV takes the defaults.
    """
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    return csv.reader(lines, delimiter=delimiter, quotechar=quotechar, strict=True)


def csv_header(line: str, source: str) -> list[str]:
    """The raw column names of a CSV file from its first line; ValueError naming the file if it does not parse."""
    try:
        landed = next(csv_reader([line]), [])
    except csv.Error as error:
        raise ValueError(f"{source}: the CSV header does not parse: {error}") from error
    if not landed or is_blank_record(landed):
        raise ValueError(f"{source}: the first line is blank, where the CSV header belongs")
    return column_names(landed, source)


def first_line_encoding_problem(line: str) -> str | None:
    """Why a text file whose first line Spark decoded as UTF-8 is not UTF-8 text at all; None if it may be.

    A UTF-16 or UTF-32 file starts with a byte order mark that is not UTF-8 (U+FFFD twice once decoded) or holds
    NUL bytes between its characters.
    """
    if line.startswith(REPLACEMENT_CHARACTER * 2) or NUL in line:
        return f"{NOT_UTF8_OBJECT} (UTF-16 or UTF-32: a byte order mark or NUL bytes in the first line); export it as UTF-8"
    return None


def double_text(value: float | None) -> str | None:
    """A double as the shortest text that reads back as the same double (Python's repr: 0.0001, 12345678.0)."""
    return None if value is None else repr(value)


def is_blank_line(text: str) -> bool:
    """A line of whitespace only: no row."""
    return _BLANK_LINE.match(text) is not None


def is_blank_record(fields: list[str | None]) -> bool:
    """A CSV record of empty or whitespace-only fields (a spreadsheet's trailing ',,,,'): no row."""
    return all(field is None or not trimmed(field) for field in fields)


def json_value(text: str):
    """One JSON value with every number as the exact text it landed as (never a binary float); ValueError if not JSON.

    For source recipes, which pick nested fields by path; NaN and Infinity are refused as in json_line_fields.
    """
    return json.loads(text, parse_float=str, parse_int=str, parse_constant=_reject_constant)


def json_line_fields(line: str) -> dict[str, str | None] | None:
    """The top-level fields of one JSON object line, each value as its landed text; None if it is not one."""
    try:
        return _json_object_fields(line.strip(" \t\r\n"))
    except (ValueError, IndexError):
        return None


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON."""
    raise ValueError(f"not JSON: {name}")


_JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _json_object_fields(text: str) -> dict[str, str | None]:
    """Walk `{"key": value, ...}`, slicing each value's text out of the line rather than re-rendering it."""
    fields: dict[str, str | None] = {}
    _expect(text, 0, "{")
    position = _skip_space(text, 1)
    if text[position] != "}":
        while True:
            _expect(text, position, '"')
            key, position = _JSON_DECODER.raw_decode(text, position)
            position = _skip_space(text, _expect(text, _skip_space(text, position), ":"))
            value, end = _JSON_DECODER.raw_decode(text, position)
            name = column_name(key)
            if not name or name in fields:
                raise ValueError(f"empty or repeated key {key!r}")
            # A string is its value, null is missing; numbers, booleans, arrays and objects keep their JSON text.
            fields[name] = value if value is None or isinstance(value, str) else text[position:end]
            position = _skip_space(text, end)
            if text[position] != ",":
                break
            position = _skip_space(text, position + 1)
    if _expect(text, position, "}") != len(text):
        raise ValueError("text after the object")
    return fields


def _skip_space(text: str, position: int) -> int:
    """The position of the next non-whitespace character."""
    return _JSON_SPACE.match(text, position).end()


def _expect(text: str, position: int, character: str) -> int:
    """The position after an expected character; ValueError if another is there."""
    if text[position] != character:
        raise ValueError(f"expected {character!r} at {position}")
    return position + 1
