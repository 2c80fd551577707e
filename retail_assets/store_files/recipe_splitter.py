"""Landing a file in its source's own format: split by the business date its recipe maps, record bytes unchanged.

Each day's object holds the file's leading lines (its header, a title) and then that day's records, byte for byte
as they came (the byte order mark too), so that the ingest job reads it with the same recipe. It lands at
sales/<day>/<the recipe's folder>/<file name>, where the recipe applies.
"""

import codecs
import io
from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from glue_scripts.recipes.loader import Recipe
from glue_scripts.recipes.mapping import StepError, sold_at_of
from glue_scripts.recipes.records import read_records, text_lines
from glue_scripts.recipes.schema import ParquetFormat
from glue_scripts.sales_contract import LANDING_TABLE_PREFIX, business_zone, is_hidden
from retail_assets.store_files.objects import write_object
from retail_assets.store_files.splitter import LandedObject, LandingError, LandReport
from retail_assets.store_files.timestamps import business_date_of

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
)


def land_with_recipe(paths: list[Path], recipe: Recipe, landing_root: Path, timezone: str) -> LandReport:
    """Split every file by business day into the recipe's place; a file that cannot be split lands nothing."""
    try:
        tz = business_zone(timezone)
    except ValueError as error:
        raise LandingError(str(error)) from error
    staged = []
    for path in (Path(path) for path in paths):
        key_in_day = recipe.key_in_day(path.name)
        if is_hidden(key_in_day) or not recipe.applies_to(key_in_day):
            wanted = recipe.spec.applies_to.pattern
            raise LandingError(
                f"{path}: recipe {recipe.name} applies to files named {wanted!r}, so ingest would skip it"
            )
        try:
            data = path.read_bytes()
        except OSError as error:
            raise LandingError(f"{path}: cannot read it: {error.strerror}") from error
        staged.append((path, key_in_day, _split(path, data, recipe, tz)))
    objects = []
    for path, key_in_day, days in staged:
        for day, (content, rows) in sorted(days.items()):
            key = f"{LANDING_TABLE_PREFIX}/{day.isoformat()}/{key_in_day}"
            write_object(landing_root, key, content)
            objects.append(LandedObject(path, day, key, rows))
    return LandReport(tuple(objects))


def _split(path: Path, data: bytes, recipe: Recipe, tz) -> dict[date, tuple[bytes, int]]:
    """day -> (the object's bytes, its records)."""
    records = list(read_records(recipe.spec, data))
    days = [_day_of(path, recipe, record, tz) for record in records]
    if isinstance(recipe.spec.format, ParquetFormat):
        return _split_parquet(data, days)
    bom, body_encoding = _bom(data, recipe.spec.format.encoding)
    lines = text_lines(data, recipe.spec.format.encoding)
    encoded = [(text + brk).encode(body_encoding, "surrogateescape") for _, text, brk in lines]
    if bom + b"".join(encoded) != data:
        raise LandingError(
            f"{path}: not valid {recipe.spec.format.encoding} throughout, so it cannot be split byte for byte"
        )
    if not records:
        return {}
    leading = bom + b"".join(encoded[: records[0].line_number - 1])
    newline = next((brk for _, _, brk in lines if brk), "\n").encode(body_encoding)
    parts: dict[date, list[bytes]] = defaultdict(list)
    for record, day in zip(records, days):
        first = record.line_number - 1
        count = len(io.StringIO(record.text, newline="").readlines()) or 1
        chunk = b"".join(encoded[first : first + count])
        parts[day].append(chunk if lines[first + count - 1][2] else chunk + newline)
    return {day: (leading + b"".join(chunks), len(chunks)) for day, chunks in parts.items()}


def _day_of(path: Path, recipe: Recipe, record, tz) -> date:
    """The business date a record maps to; LandingError naming the line and the step when it has none."""
    try:
        sold_at = sold_at_of(recipe.spec, record)
    except StepError as error:
        raise LandingError(
            f"{path}: line {record.line_number}: recipe {recipe.name}, step {error.step}: {error}; "
            "its business day is unknown"
        ) from error
    day = business_date_of(sold_at, tz) if sold_at else None
    if day is None:
        raise LandingError(f"{path}: line {record.line_number}: sold_at {sold_at!r} gives no business day")
    return day


def _bom(data: bytes, encoding: str) -> tuple[bytes, str]:
    """The byte order mark the file starts with (if any) and the codec of the bytes after it."""
    name = codecs.lookup(encoding).name
    family = {"utf-16": "utf-16", "utf-32": "utf-32", "utf-8-sig": "utf-8", "utf-8": "utf-8"}.get(name)
    if family is None:
        return b"", name
    for bom, body in _BOMS:
        if body.startswith(family) and data.startswith(bom):
            return bom, body
    return b"", {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(family, "utf-8")


def _split_parquet(data: bytes, days: list[date]) -> dict[date, tuple[bytes, int]]:
    """One Parquet object per day with that day's rows, the schema (types and metadata) kept."""
    table = pq.read_table(io.BytesIO(data))
    rows: dict[date, list[int]] = defaultdict(list)
    for index, day in enumerate(days):
        rows[day].append(index)
    split = {}
    for day, indices in rows.items():
        sink = io.BytesIO()
        pq.write_table(table.take(pa.array(indices)), sink)
        split[day] = (sink.getvalue(), len(indices))
    return split
