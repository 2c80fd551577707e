"""Landing files: split any file of the landing contract into one landing object per business day."""

import contextlib
import csv
import gzip
import json
import shutil
import tempfile
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from glue_scripts.reading_rules import column_names, csv_reader, is_blank_line, is_blank_record, json_line_fields
from glue_scripts.sales_contract import (
    LANDING_TABLE_PREFIX,
    business_zone,
    data_file_format,
    is_hidden,
    suffix_case_problem,
    trimmed,
)
from retail_assets.store_files.objects import publish_file
from retail_assets.store_files.timestamps import business_date_of, date_in

SOLD_AT = "sold_at"
# Part files held open at once; a file spanning more days than this closes the least recently used one
# and starts a new part when that day comes back, so any number of days fits the process's file limit.
MAX_OPEN_PARTS = 64
PARQUET_BATCH_ROWS = 65_536


class LandingError(Exception):
    """A file that cannot be landed; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class LandedObject:
    """One landing object written: the rows of one source file for one business day."""

    source: Path
    business_date: date
    key: str
    rows: int


@dataclass(frozen=True)
class LandReport:
    """The landing objects land_files wrote, in source then day order."""

    objects: tuple[LandedObject, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys of the objects written."""
        return tuple(landed.key for landed in self.objects)

    @property
    def rows(self) -> int:
        """Rows landed over all objects."""
        return sum(landed.rows for landed in self.objects)

    def rows_per_day(self) -> dict[date, int]:
        """Rows landed per business day, over all source files, in day order."""
        counts = Counter()
        for landed in self.objects:
            counts[landed.business_date] += landed.rows
        return dict(sorted(counts.items()))


def land_files(paths: list[Path], landing_root: Path, timezone: str) -> LandReport:
    """Split each file by the business date of sold_at into sales/<day>/<file name> under landing_root.

    Every file is read to the end and staged before anything is published, so a file that fails
    (LandingError) lands nothing, and neither do the other files of the call.
    """
    try:
        tz = business_zone(timezone)
    except ValueError as error:
        raise LandingError(str(error)) from error
    paths = [Path(path) for path in paths]
    _check_sources(paths)
    objects = []
    with tempfile.TemporaryDirectory(prefix="retail-land-") as staging:
        staged = [(path, _stage(path, tz, Path(staging) / str(index))) for index, path in enumerate(paths)]
        for path, days in staged:
            for day, (part, rows) in sorted(days.items()):
                # Same file name, same key: landing a file again replaces its earlier version day by day.
                key = f"{LANDING_TABLE_PREFIX}/{day.isoformat()}/{path.name}"
                publish_file(landing_root, key, part)
                objects.append(LandedObject(path, day, key, rows))
    return LandReport(tuple(objects))


def _check_sources(paths: list[Path]) -> None:
    """Refuse what cannot be landed before reading anything: unknown formats, missing files, name clashes."""
    names = Counter(path.name for path in paths)
    for path in paths:
        if data_file_format(path.name) is None:
            raise LandingError(f"{path}: not a landing data file (expected .csv, .csv.gz, .jsonl or .parquet)")
        if not path.is_file():
            raise LandingError(f"{path}: no such file")
        # The ingest job skips hidden names and reads .gz by its exact lower-case suffix.
        if is_hidden(path.name):
            raise LandingError(f"{path}: a name starting with '.' or '_' would be ignored as hidden; rename it")
        if suffix_case_problem(path.name):
            raise LandingError(f"{path}: {suffix_case_problem(path.name)}")
        if names[path.name] > 1:
            raise LandingError(f"{path}: another file of this landing has the same name, so it would replace it")


def _stage(path: Path, tz: ZoneInfo, directory: Path) -> dict[date, tuple[Path, int]]:
    """Read a file to the end, staging its rows per business day: day -> (staged object file, rows)."""
    directory.mkdir()
    file_format = data_file_format(path.name)
    try:
        if file_format == "parquet":
            return _stage_parquet(path, tz, directory)
        gzipped = path.name.lower().endswith(".gz")
        with (gzip.open if gzipped else open)(path, "rb") as stream:
            if file_format == "jsonl":
                return _stage_jsonl(path, stream, tz, directory)
            return _stage_csv(path, stream, tz, directory, gzipped)
    except (OSError, EOFError, zlib.error, ValueError, OverflowError, pa.ArrowException) as error:
        raise LandingError(f"{path}: cannot read it: {error}") from error


class _DayParts:
    """Per-day staged part files of one source, with a bounded number of them open."""

    def __init__(self, directory: Path, open_part):
        self._directory, self._open_part = directory, open_part
        self.parts: dict[date, list[Path]] = {}
        self.rows: Counter[date] = Counter()
        self._open: OrderedDict[date, object] = OrderedDict()

    def writer(self, day: date, rows: int):
        """The open writer of day's current part, about to receive rows rows."""
        self.rows[day] += rows
        if day in self._open:
            self._open.move_to_end(day)
            return self._open[day]
        if len(self._open) >= MAX_OPEN_PARTS:
            self._open.popitem(last=False)[1].close()
        part = self._directory / f"{day.isoformat()}.{len(self.parts.setdefault(day, []))}"
        self.parts[day].append(part)
        self._open[day] = self._open_part(part)
        return self._open[day]

    def close(self) -> None:
        """Close every open part."""
        while self._open:
            self._open.popitem()[1].close()


class _LineTap:
    """Feeds csv.reader one decoded line at a time and keeps the raw bytes of the record being read."""

    def __init__(self, path: Path, stream):
        self._path, self._stream = path, stream
        self.line_number = 0
        self._raw: list[bytes] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        raw = self._stream.readline()
        if not raw:
            raise StopIteration
        self.line_number += 1
        self._raw.append(raw)
        return _decode(self._path, self.line_number, raw)

    @property
    def record_line(self) -> int:
        """Line number where the record being read starts (a quoted field may span lines)."""
        return self.line_number - max(len(self._raw), 1) + 1

    def take(self) -> bytes:
        """The raw bytes of the record just read, forgetting them."""
        raw = b"".join(self._raw)
        self._raw.clear()
        return raw


def _stage_csv(path: Path, stream, tz: ZoneInfo, directory: Path, gzipped: bool) -> dict:
    """Stage a CSV record by record, copying each record's bytes unchanged (quoting, line ends)."""
    tap = _LineTap(path, stream)
    reader = csv_reader(tap)
    parts = _DayParts(directory, lambda part: part.open("wb"))
    try:
        header = _next_record(path, reader, tap)
        if header is None:
            raise LandingError(f"{path}: line 1: empty file, expected a header row")
        header_raw = tap.take()
        sold_at = _sold_at_index(path, "line 1 (header)", header)
        newline = b"\r\n" if header_raw.endswith(b"\r\n") else b"\n"
        while (row := _next_record(path, reader, tap)) is not None:
            line, raw = tap.record_line, tap.take()
            if is_blank_record(row):  # a blank line, or a record of empty fields, holds no row (as ingest reads it)
                continue
            if len(row) != len(header):
                raise LandingError(f"{path}: line {line}: {len(row)} fields where the header has {len(header)}")
            parts.writer(_day_of(path, f"line {line}", row[sold_at], tz), 1).write(_terminated(raw, newline))
    finally:
        parts.close()
    return _assemble_text(parts, _terminated(header_raw, newline), gzipped, directory)


def _next_record(path: Path, reader, tap: _LineTap) -> list[str] | None:
    """The next CSV record, or None at the end of the file."""
    try:
        return next(reader, None)
    except csv.Error as error:
        raise LandingError(f"{path}: line {tap.record_line}: malformed CSV: {error}") from error


def _stage_jsonl(path: Path, stream, tz: ZoneInfo, directory: Path) -> dict:
    """Stage a JSON Lines file line by line, copying each line's bytes unchanged."""
    parts = _DayParts(directory, lambda part: part.open("wb"))
    try:
        for number, raw in enumerate(iter(stream.readline, b""), start=1):
            text = _decode(path, number, raw)
            if number == 1:
                text = text.removeprefix("\ufeff")  # a byte order mark, as ingest strips it
            if is_blank_line(text):
                continue
            where = f"line {number}"
            fields = json_line_fields(text)
            if fields is None:
                raise LandingError(f"{path}: {where}: {_json_problem(text)}")
            value = fields[list(fields)[_sold_at_index(path, where, list(fields))]]
            parts.writer(_day_of(path, where, value, tz), 1).write(_terminated(raw, b"\n"))
    finally:
        parts.close()
    return _assemble_text(parts, b"", False, directory)


def _json_problem(text: str) -> str:
    """Why a line is not a JSON object the ingest job reads (reading_rules.json_line_fields)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg} (column {error.colno})"
    return "not a JSON object with distinct keys and no NaN or Infinity"


def _assemble_text(parts: _DayParts, header: bytes, gzipped: bool, directory: Path) -> dict:
    """One staged object per day: the header then the day's parts, gzip-compressed for .csv.gz."""
    staged = {}
    for day, pieces in parts.parts.items():
        target = directory / f"{day.isoformat()}.out"
        with target.open("wb") as raw, _gzip_writer(raw) if gzipped else contextlib.nullcontext(raw) as out:
            out.write(header)
            for piece in pieces:
                with piece.open("rb") as source:
                    shutil.copyfileobj(source, out)
        staged[day] = (target, parts.rows[day])
    return staged


def _gzip_writer(raw) -> gzip.GzipFile:
    """A gzip stream over raw whose bytes depend on the content alone (no file name, mtime 0)."""
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)


def _stage_parquet(path: Path, tz: ZoneInfo, directory: Path) -> dict:
    """Stage a Parquet file batch by batch, keeping its schema (types and metadata) and values."""
    with pq.ParquetFile(path) as source:
        schema = source.schema_arrow
        sold_at = _sold_at_index(path, "schema", schema.names)
        # pyarrow reads INT96 timestamps as nanoseconds and would write them back as TIMESTAMP(NANOS): keep INT96.
        int96_columns = {column.path for column in source.schema if column.physical_type == "INT96"}
        int96 = bool(int96_columns)
        parts = _DayParts(directory, lambda part: _parquet_writer(part, schema, int96))
        first_row = 1
        try:
            for batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                offsets_by_day: dict[date, list[int]] = {}
                column = batch.column(sold_at)
                if schema.names[sold_at] in int96_columns:
                    # INT96 holds UTC instants without saying so (Spark, Hive and Impala read them as such).
                    column = column.cast(pa.timestamp("ns", "UTC"))
                for offset, day in enumerate(_parquet_days(path, column, tz, first_row)):
                    offsets_by_day.setdefault(day, []).append(offset)
                for day, offsets in offsets_by_day.items():
                    parts.writer(day, len(offsets)).write_batch(batch.take(pa.array(offsets)))
                first_row += batch.num_rows
        finally:
            parts.close()
    staged = {}
    for day, pieces in parts.parts.items():
        target = pieces[0] if len(pieces) == 1 else _merge_parquet(pieces, schema, int96, directory / f"{day}.out")
        staged[day] = (target, parts.rows[day])
    return staged


def _parquet_days(path: Path, column: pa.Array, tz: ZoneInfo, first_row: int) -> list[date]:
    """The business date of every sold_at in a Parquet column: a timestamp (with or without zone) or text."""
    if pa.types.is_timestamp(column.type):
        # Python datetimes stop at microseconds; truncating nanoseconds never changes a date.
        values = column.cast(pa.timestamp("us", column.type.tz), safe=False).to_pylist()
        convert = date_in
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        values, convert = column.to_pylist(), business_date_of
    else:
        raise LandingError(f"{path}: sold_at has type {column.type}, expected a timestamp or a string")
    days = []
    for offset, value in enumerate(values):
        day = None if value is None else convert(value, tz)
        if day is None:
            _day_of(path, f"row {first_row + offset}", value, tz)  # raises with the standard message
        days.append(day)
    return days


def _parquet_writer(target: Path, schema: pa.Schema, int96: bool) -> pq.ParquetWriter:
    """A writer of staged Parquet with the source's schema, timestamps as INT96 when the source had them so."""
    return pq.ParquetWriter(target, schema, use_deprecated_int96_timestamps=int96)


def _merge_parquet(pieces: list[Path], schema: pa.Schema, int96: bool, target: Path) -> Path:
    """One Parquet file holding the rows of pieces, in order."""
    with _parquet_writer(target, schema, int96) as writer:
        for piece in pieces:
            with pq.ParquetFile(piece) as source:
                for batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                    writer.write_batch(batch)
    return target


def _sold_at_index(path: Path, where: str, names: list[str]) -> int:
    """Position of the column named sold_at; LandingError if columns repeat, as ingest refuses them, or it lacks."""
    try:
        found = [index for index, name in enumerate(column_names(names, str(path))) if name == SOLD_AT]
    except ValueError as error:  # the message of the ingest job, which names the file
        raise LandingError(str(error)) from error
    if not found:
        raise LandingError(f"{path}: {where}: no sold_at column, so the business day of its rows is unknown")
    return found[0]


def _day_of(path: Path, where: str, value, tz: ZoneInfo) -> date:
    """The business date of a sold_at value, or LandingError naming the file and line."""
    day = business_date_of(trimmed(value), tz) if isinstance(value, str) else None
    if day is None:
        raise LandingError(f"{path}: {where}: sold_at {value!r} is not an ISO 8601 timestamp, so its day is unknown")
    return day


def _decode(path: Path, number: int, raw: bytes) -> str:
    """A line decoded as UTF-8, or LandingError naming the line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LandingError(f"{path}: line {number}: not UTF-8 (byte {error.start + 1} of the line)") from error


def _terminated(raw: bytes, newline: bytes) -> bytes:
    """A record's bytes ending with a line break (the last line of a file may lack one)."""
    return raw if raw.endswith(b"\n") else raw + newline
