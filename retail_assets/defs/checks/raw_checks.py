"""Checks on raw/sales: a day with nothing landed, landed values, integrity against landing, schema drift."""

import csv
import hashlib
import io
import statistics
from datetime import date, timedelta

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from glue_scripts.reading_rules import csv_reader, is_blank_line, is_blank_record
from glue_scripts.recipes.loader import Recipe, installed_recipes, recipe_for
from glue_scripts.recipes.records import read_records
from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    PARTITION_COLUMN,
    RAW_SYSTEM_COLUMNS,
    REQUIRED_COLUMN_NAMES,
    SOURCE_BYTES,
    SOURCE_MD5,
    SOURCE_OBJECT,
    business_days,
    data_file_format,
)
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.assets.raw import RAW_SALES
from retail_assets.defs.checks.models import LandingValues
from retail_assets.defs.checks.pandera_check import checked_frame, validate_days
from retail_assets.defs.checks.per_day import evaluations_by_day
from retail_assets.defs.checks.usual_band import (
    MIN_RATE_HALF_WIDTH,
    band_metadata,
    histories,
    too_little_history,
    usual_band,
)
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.pipeline import PipelineSettings

SYSTEM_COLUMNS = set(RAW_SYSTEM_COLUMNS)
_LINEAGE = [SOURCE_OBJECT, SOURCE_MD5, SOURCE_BYTES]
# A column outside the contract seen on any of this many days before a day is known there, not new.
KNOWN_COLUMNS_DAYS = 28
# The usual band of a day's row count is never narrower than ±10% of the median: below that is ordinary noise.
MIN_ROWS_HALF_WIDTH = 0.10


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    description="Warns when a business day has no landing object (stores closed, or data late).",
)
def landing_day_has_objects(context: dg.AssetCheckExecutionContext, lake: Lake):
    """Every day of the range had at least one landing object."""
    objects = {day: len(lake.landing_objects(day)) for day in partition_days(context)}
    yield from evaluations_by_day(
        context,
        {
            day: dg.AssetCheckResult(
                passed=count > 0,
                severity=dg.AssetCheckSeverity.WARN,
                description=None if count else "no landing objects for the day",
                metadata={"landing_objects": count},
            )
            for day, count in objects.items()
        },
    )


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    description="Warns when a day's landed row count is outside what is usual for its weekday "
    "(median ± 3 MAD of the same weekday over the last 8 weeks, once 4 of them have data).",
)
def landed_rows_usual(context: dg.AssetCheckExecutionContext, lake: Lake):
    """Each day's landed rows against its weekday's usual band."""
    days = partition_days(context)
    history_days, every_day = histories(days)
    rows = lake.rows_per_day("raw", "sales", every_day)
    yield from evaluations_by_day(
        context,
        {day: rows_result(rows[day], [rows[past] for past in history_days[day] if rows[past]]) for day in days},
    )


def rows_result(landed: int, history: list[int]) -> dg.AssetCheckResult:
    """WARN when landed is outside the usual band of history; a pass, with a note, without enough history."""
    band = usual_band([float(rows) for rows in history], MIN_ROWS_HALF_WIDTH * statistics.median(history or [0]))
    metadata = {"rows_landed": landed, **band_metadata(band, len(history))}
    if band is None:
        return dg.AssetCheckResult(passed=True, description=too_little_history(len(history)), metadata=metadata)
    if band.contains(landed):
        return dg.AssetCheckResult(passed=True, metadata=metadata)
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{landed} rows landed; usual for this weekday is {band.low:.0f} to {band.high:.0f} "
        f"(last {band.history} same weekdays)",
        metadata=metadata,
    )


VALUE_COLUMNS = [*REQUIRED_COLUMN_NAMES, "discount"]


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    description="Landing contract on the landed text (required values present, typed values parse): WARN when the "
    "share of a day's rows breaking it is above what is usual for its weekday; the rows are quarantined either way.",
)
def landing_values_parse(context: dg.AssetCheckExecutionContext, lake: Lake, pipeline: PipelineSettings):
    """Each day's contract-breaking rows, judged against the share usual for its weekday."""
    days = partition_days(context)
    history_days, every_day = histories(days)
    rows = lake.read_days("raw", "sales", every_day, columns=[*VALUE_COLUMNS, PARTITION_COLUMN])
    frame = None if rows is None else checked_frame(rows)
    results = validate_days(LandingValues, frame, every_day, VALUE_COLUMNS, pipeline, dg.AssetCheckSeverity.WARN)
    shares = {day: _breaking_share(result) for day, result in results.items() if result.metadata["rows_checked"].value}
    yield from evaluations_by_day(
        context,
        {
            day: values_result(results[day], [shares[past] for past in history_days[day] if past in shares])
            for day in days
        },
    )


def _breaking_share(result: dg.AssetCheckResult) -> float:
    """Share of the checked rows that break the contract."""
    failing = result.metadata.get("failing_rows")
    return (failing.value if failing else 0) / result.metadata["rows_checked"].value


def values_result(result: dg.AssetCheckResult, history: list[float]) -> dg.AssetCheckResult:
    """A day's pandera result, a WARN only when its share of breaking rows is above its weekday's usual band."""
    if result.passed:
        return result
    share = _breaking_share(result)
    band = usual_band(history, MIN_RATE_HALF_WIDTH)
    metadata = {**result.metadata, "breaking_share": round(share, 4), **band_metadata(band, len(history))}
    if band is not None and share > band.high:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{result.description}: {share:.1%} of the rows, above the usual {band.high:.1%}",
            metadata=metadata,
        )
    usual = too_little_history(len(history)) if band is None else f"usual for this weekday (up to {band.high:.1%})"
    return dg.AssetCheckResult(
        passed=True, description=f"{result.description}, quarantined by the cleaning job; {usual}", metadata=metadata
    )


def integrity_problems(lake: Lake, day: str, recipes: dict[str, Recipe] | None = None) -> list[dict[str, object]]:
    """Why raw does not hold exactly the day's landing objects, whole and readable (empty when it does).

    recipes: the source recipes ingest read the day with (the installed ones unless given).
    """
    recipes = installed_recipes() if recipes is None else recipes
    problems, recorded = [], {}
    for path in lake.day_files("raw", "sales", day):
        try:
            lineage = pq.read_table(path, columns=_LINEAGE, filesystem=lake.filesystem())
        except (pa.ArrowException, OSError) as error:
            problems.append({"object": path, "problem": f"raw file unreadable: {error}"})
            continue
        for row in lineage.group_by(_LINEAGE).aggregate([]).to_pylist():
            recorded[row[SOURCE_OBJECT]] = (row[SOURCE_MD5], row[SOURCE_BYTES])
    for landed in lake.landing_objects(day):
        if landed.size == 0:
            continue  # an empty object has no rows to carry its MD5 into raw
        matches = [uri for uri in recorded if uri.endswith("/" + landed.key)]
        if not matches:
            if holds_data_rows(
                lake, landed.key, recipes
            ):  # an export with no data rows is legitimately absent from raw
                problems.append({"object": landed.key, "problem": "landing object has no rows in raw"})
            continue
        md5, size = recorded[matches[0]]
        actual = lake_md5(lake, landed.key)
        if (md5, size) != (actual, landed.size):
            problems.append(
                {
                    "object": landed.key,
                    "problem": f"ingested {size} bytes md5 {md5}, landing has {landed.size} bytes md5 {actual}",
                }
            )
    return problems


def holds_data_rows(lake: Lake, key: str, recipes: dict[str, Recipe]) -> bool:
    """Whether a landing object holds any row by the ingest job's reading rules (a header alone holds none)."""
    path = f"{lake.landing_base()}/{key}"
    recipe = recipe_for(key.split("/", 2)[2], recipes)  # the key below sales/<day>/
    if recipe is not None:  # read as ingest reads it: every record its recipe finds, mapped or not, is a row
        with lake.filesystem().open_input_stream(path, compression=None) as stream:
            return next(read_records(recipe.spec, stream.read()), None) is not None
    file_format = data_file_format(key)
    if file_format == "parquet":
        with lake.filesystem().open_input_file(path) as source:
            return pq.ParquetFile(source).metadata.num_rows > 0
    compression = "gzip" if key.endswith(".gz") else None
    with lake.filesystem().open_input_stream(path, compression=compression) as stream:
        lines = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        if file_format != "csv":
            return any(not is_blank_line(text) for text in lines)
        next(lines, None)  # the header
        try:
            return any(not is_blank_record(record) for record in csv_reader(lines))
        except csv.Error:
            return True  # a line ingest keeps as unparsed: a row


def lake_md5(lake: Lake, key: str) -> str:
    """MD5 of a landing object's bytes, streamed."""
    digest = hashlib.md5(usedforsecurity=False)
    # compression=None: pyarrow would otherwise hash the decompressed content of a .gz object.
    with lake.filesystem().open_input_stream(f"{lake.landing_base()}/{key}", compression=None) as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    blocking=True,
    description="Every landing object of the day was read whole: raw's recorded MD5 and bytes equal the object's, "
    "and every raw file is readable.",
)
def raw_matches_landing(context: dg.AssetCheckExecutionContext, lake: Lake):
    """Integrity of raw against landing, per day."""
    problems = {day: integrity_problems(lake, day) for day in partition_days(context)}
    yield from evaluations_by_day(
        context,
        {
            day: dg.AssetCheckResult(
                passed=not found,
                description=f"{len(found)} integrity problems" if found else None,
                metadata={"problems": dg.MetadataValue.json(found[:100]), "problem_count": len(found)},
            )
            for day, found in problems.items()
        },
    )


def schema_drift(schema: pa.Schema, presence: pa.Table, known: set[str]) -> dict[str, object]:
    """Columns new since the known ones, retyped, and required columns a landing object lacked entirely."""
    landed = [name for name in schema.names if name not in SYSTEM_COLUMNS]
    added = sorted(set(landed) - set(CONTRACT_COLUMN_NAMES) - known)
    retyped = sorted(
        name for name in CONTRACT_COLUMN_NAMES if name in landed and schema.field(name).type != pa.string()
    )
    missing = sorted(set(REQUIRED_COLUMN_NAMES) - set(landed))
    present = [name for name in REQUIRED_COLUMN_NAMES if name in presence.column_names]
    # Ingest fills a column a file lacks with nulls: a required column with no value at all in an object was absent.
    counts = presence.group_by(SOURCE_OBJECT).aggregate([(name, "count") for name in present]).to_pylist()
    missing_by_object = {
        row[SOURCE_OBJECT]: [name for name in present if row[f"{name}_count"] == 0]
        for row in counts
        if any(row[f"{name}_count"] == 0 for name in present)
    }
    return {"added": added, "retyped": retyped, "missing": missing, "missing_by_object": missing_by_object}


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    description="A day's raw schema against the contract: a column outside the contract warns on the first day it "
    "appears (after that it is known); a required column missing (from the table or from a landing object) or "
    "retyped is an error.",
)
def landing_schema_matches_contract(context: dg.AssetCheckExecutionContext, lake: Lake):
    """Schema drift of each checked day's landed files."""
    days = partition_days(context)
    first = (date.fromisoformat(days[0]) - timedelta(days=KNOWN_COLUMNS_DAYS)).isoformat()
    columns = day_columns(lake, business_days(first, days[-1]))
    yield from evaluations_by_day(context, {day: drift_result(lake, day, columns) for day in days})


def day_columns(lake: Lake, days: list[str]) -> dict[str, pa.Schema]:
    """Each day's raw schema, for the days with data."""
    schemas = {day: lake.days_schema("raw", "sales", [day]) for day in days}
    return {day: schema for day, schema in schemas.items() if schema is not None}


def drift_result(lake: Lake, day: str, schemas: dict[str, pa.Schema]) -> dg.AssetCheckResult:
    """One day's drift; columns seen on any of the KNOWN_COLUMNS_DAYS days before it are known."""
    schema = schemas.get(day)
    if schema is None:
        return dg.AssetCheckResult(passed=True, metadata={"rows_checked": 0})
    first = (date.fromisoformat(day) - timedelta(days=KNOWN_COLUMNS_DAYS)).isoformat()
    earlier = [past for past in schemas if first <= past < day]
    known = {name for past in earlier for name in schemas[past].names}
    columns = [SOURCE_OBJECT, *(name for name in REQUIRED_COLUMN_NAMES if name in schema.names)]
    # The first day with data has nothing to drift from: its columns are the baseline, noted, not warned.
    drift = schema_drift(schema, lake.read_days("raw", "sales", [day], columns=columns), known if earlier else set())
    baseline = [] if earlier else drift.pop("added")
    drift.setdefault("added", [])
    errors = drift["retyped"] or drift["missing"] or drift["missing_by_object"]
    metadata = {key: dg.MetadataValue.json(value) for key, value in drift.items()}
    if baseline:
        metadata["baseline_extra_columns"] = dg.MetadataValue.json(baseline)
    return dg.AssetCheckResult(
        passed=not (errors or drift["added"]),
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=_drift_description(drift)
        or (f"first day with data: extra columns {', '.join(baseline)} taken as known" if baseline else None),
        metadata=metadata,
    )


def _drift_description(drift: dict[str, object]) -> str | None:
    """One line naming what drifted."""
    parts = [
        f"added {', '.join(drift['added'])}" if drift["added"] else "",
        f"retyped {', '.join(drift['retyped'])}" if drift["retyped"] else "",
        f"required columns missing from {len(drift['missing_by_object'])} objects"
        if drift["missing_by_object"]
        else "",
        f"required columns missing: {', '.join(drift['missing'])}" if drift["missing"] else "",
    ]
    return "; ".join(part for part in parts if part) or None
