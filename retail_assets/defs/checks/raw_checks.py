"""Checks on raw/sales: a day with nothing landed, landed values, integrity against landing, schema drift."""

import csv
import hashlib
import io

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from glue_scripts.reading_rules import csv_reader, is_blank_line, is_blank_record
from glue_scripts.recipes.loader import Recipe, installed_recipes, recipe_for
from glue_scripts.recipes.records import read_records
from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    RAW_SYSTEM_COLUMNS,
    REQUIRED_COLUMN_NAMES,
    SOURCE_BYTES,
    SOURCE_MD5,
    SOURCE_OBJECT,
    data_file_format,
)
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.assets.raw import RAW_SALES
from retail_assets.defs.checks.models import LandingValues
from retail_assets.defs.checks.pandera_check import pandera_asset_check
from retail_assets.defs.partitions import daily_partitions
from retail_assets.defs.resources.lake import Lake

SYSTEM_COLUMNS = set(RAW_SYSTEM_COLUMNS)
_LINEAGE = [SOURCE_OBJECT, SOURCE_MD5, SOURCE_BYTES]


@dg.asset_check(
    asset=RAW_SALES,
    partitions_def=daily_partitions,
    description="Warns when a business day has no landing object (stores closed, or data late).",
)
def landing_day_has_objects(context: dg.AssetCheckExecutionContext, lake: Lake) -> dg.AssetCheckResult:
    """Every day of the range had at least one landing object."""
    days = partition_days(context)
    empty_days = [day for day in days if not lake.landing_objects(day)]
    return dg.AssetCheckResult(
        passed=not empty_days,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"no landing objects for {len(empty_days)} of {len(days)} days" if empty_days else None,
        metadata={"empty_days": dg.MetadataValue.json(empty_days), "days_checked": len(days)},
    )


landing_values_parse = pandera_asset_check(
    model=LandingValues,
    asset=RAW_SALES,
    table=("raw", "sales"),
    columns=[*REQUIRED_COLUMN_NAMES, "discount"],
    name="landing_values_parse",
    description="Landing contract on the landed text: required values present, typed values parse "
    "(WARN: such rows are quarantined by the cleaning job).",
    blocking=False,
    severity=dg.AssetCheckSeverity.WARN,
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
def raw_matches_landing(context: dg.AssetCheckExecutionContext, lake: Lake) -> dg.AssetCheckResult:
    """Integrity of raw against landing, per day."""
    problems = [{"day": day, **problem} for day in partition_days(context) for problem in integrity_problems(lake, day)]
    return dg.AssetCheckResult(
        passed=not problems,
        description=f"{len(problems)} integrity problems" if problems else None,
        metadata={"problems": dg.MetadataValue.json(problems[:100]), "problem_count": len(problems)},
    )


def schema_drift(schema: pa.Schema, presence: pa.Table) -> dict[str, object]:
    """Columns added or retyped in the days' raw schema, and required columns a landing object lacked entirely."""
    landed = [name for name in schema.names if name not in SYSTEM_COLUMNS]
    added = sorted(set(landed) - set(CONTRACT_COLUMN_NAMES))
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
    description="The days' raw schema against the contract: an added column warns; a required column missing "
    "(from the table or from a landing object) or retyped is an error.",
)
def landing_schema_matches_contract(context: dg.AssetCheckExecutionContext, lake: Lake) -> dg.AssetCheckResult:
    """Schema drift of the landed files of the checked days."""
    days = partition_days(context)
    schema = lake.days_schema("raw", "sales", days)
    if schema is None:
        return dg.AssetCheckResult(passed=True, metadata={"rows_checked": 0})
    columns = [SOURCE_OBJECT, *(name for name in REQUIRED_COLUMN_NAMES if name in schema.names)]
    drift = schema_drift(schema, lake.read_days("raw", "sales", days, columns=columns))
    errors = drift["retyped"] or drift["missing"] or drift["missing_by_object"]
    return dg.AssetCheckResult(
        passed=not (errors or drift["added"]),
        severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
        description=_drift_description(drift),
        metadata={key: dg.MetadataValue.json(value) for key, value in drift.items()},
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
