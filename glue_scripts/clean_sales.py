"""Glue job for cleaned/sales and quarantine/sales: every raw row of the days in range ends in exactly one of them.

Reads {raw_uri}/business_date=<day>/ and replaces the same days under cleaned_uri and quarantine_uri; a day with no
rows left in one of them is emptied there. The rules are DESIGN.md's "Cleaning rules", tried in order.
"""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from glue_scripts.hadoop_files import list_files
from glue_scripts.job_args import parse_job_args
from glue_scripts.lake_days import clear_days, day_uri, remove_stale_staging, row_groups, write_days
from glue_scripts.pipes_context import json_metadata, open_pipes, path_metadata
from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    CONTRACT_COLUMNS,
    DECIMAL_PATTERN,
    DUPLICATE,
    INTEGER_PATTERN,
    INVALID_DAY_TOTAL,
    INVALID_ENCODING,
    INVALID_LINE_AMOUNT,
    LINE_NUMBER,
    MAX_UNITS,
    MONEY_PRECISION,
    MONEY_SCALE,
    MONEY_TYPE,
    NEGATIVE_PRICE,
    NOT_UTF8_OBJECT,
    NUL,
    NUL_CHARACTER,
    OBJECT_LINE,
    OUTSIDE_PARTITION,
    PARTITION_COLUMN,
    RAW_SYSTEM_COLUMNS,
    REASON,
    RECIPE_COLUMNS,
    RECIPE_FAILURE,
    REPLACEMENT_CHARACTER,
    SOURCE_OBJECT,
    TIMESTAMP_PATTERN,
    UNPARSEABLE_LINE,
    UNPARSED_LINE,
    UNREADABLE_OBJECT,
    ZERO_QUANTITY,
    ContractColumn,
    business_days,
    invalid_reason,
    missing_reason,
    unconserved_days,
)
from glue_scripts.spark_session import configure_spark, persisted
from glue_scripts.spark_text import trimmed_text

ARG_NAMES = ["JOB_NAME", "raw_uri", "cleaned_uri", "quarantine_uri", "start_date", "end_date", "business_timezone"]
CLEANED_ASSET_KEY, QUARANTINE_ASSET_KEY = "cleaned/sales", "quarantine/sales"
# Working columns. Landed names are [a-z0-9_] only (normalized_column_name), so a name with '#' is never one.
_LINE_AMOUNT, _LANDED_TEXT = "#line_amount", "#landed_text"
_CAST_TYPES = {"timestamp": "timestamp", "integer": "bigint", "decimal": MONEY_TYPE}
_PATTERNS = {"timestamp": TIMESTAMP_PATTERN, "integer": INTEGER_PATTERN, "decimal": DECIMAL_PATTERN}


def _text_column(name: str) -> str:
    """The working column of a landed value trimmed, null when missing or blank."""
    return f"{name}#text"


def _parsed_column(name: str) -> str:
    """The working column of a contract column parsed by _parse."""
    return f"{name}#parsed"


def _text(name: str) -> Column:
    """A landed value with the contract's whitespace trimmed, null when missing or blank."""
    return F.col(_text_column(name))


def _is_empty(name: str) -> Column:
    """Whether a landed value is missing or blank."""
    return _text(name).isNull()


def _parsed(name: str) -> Column:
    """A contract column as parsed by _parse."""
    return F.col(_parsed_column(name))


def _trimmed(name: str) -> Column:
    """A landed value trimmed of the contract's whitespace (Spark's trim removes only spaces); null when blank."""
    trimmed = trimmed_text(F.col(name))
    return F.when(trimmed != "", trimmed)


def _parse(column: ContractColumn) -> Column:
    """A contract column parsed to its type: null when empty or when it does not parse (an empty discount is 0).

    A value must match its pattern before it is cast, since a cast alone accepts too much ("3.5" as an integer
    is 3) while returning null for what cannot exist (February 30). A timestamp without offset is read in the
    session time zone, which is the business time zone; one with an offset is converted to it.
    """
    text = _text(column.name)
    if column.kind == "string":
        # A JSON object or array (a nested value of a JSON Lines file) is not a string value.
        is_json_container = F.json_object_keys(text).isNotNull() | F.json_array_length(text).isNotNull()
        return F.when(~(text.startswith("{") | text.startswith("[")) | ~is_json_container, text)
    value = F.when(text.rlike(_PATTERNS[column.kind]), text.cast(_CAST_TYPES[column.kind]))
    if column.name == "discount":
        return F.when(_is_empty(column.name), F.lit(0).cast(MONEY_TYPE)).otherwise(value)
    return value


def with_reasons(raw: DataFrame, business_timezone: str) -> DataFrame:
    """raw with its contract columns parsed, the line amount, and the reason of the first rule a row breaks."""
    session_timezone = raw.sparkSession.conf.get("spark.sql.session.timeZone")
    if session_timezone != business_timezone:
        raise ValueError(f"the Spark session is in {session_timezone}, not the business time zone {business_timezone}")
    for name in (*CONTRACT_COLUMN_NAMES, UNPARSED_LINE, *RECIPE_COLUMNS):
        if name not in raw.columns:  # no landed file had it (or raw was written before source recipes)
            raw = raw.withColumn(name, F.lit(None).cast("string"))
    # Each value is trimmed, then parsed, in a projection of its own that every rule reads: parsed into a struct,
    # a field's whole parse was inlined into each of its dozen readers (Spark's CollapseProject counts a struct
    # field's access as cheap), so each row trimmed and parsed its values a dozen times over.
    landed = [F.col(name) for name in (*CONTRACT_COLUMN_NAMES, UNPARSED_LINE)]
    rows = raw.select(
        "*",
        *(_trimmed(name).alias(_text_column(name)) for name in CONTRACT_COLUMN_NAMES),
        F.concat_ws("", *landed).alias(_LANDED_TEXT),
    )
    rows = rows.select("*", *(_parse(column).alias(_parsed_column(column.name)) for column in CONTRACT_COLUMNS))
    # At most 18 digits of quantity: as DECIMAL(18,0) times DECIMAL(18,4) minus DECIMAL(18,4), every step is
    # exact (DECIMAL(38,4) at most); only the cast back to DECIMAL(18,4) can overflow, to null without ANSI.
    exact = _parsed("quantity").cast(f"decimal({MONEY_PRECISION},0)") * _parsed("unit_price") - _parsed("discount")
    rows = rows.withColumn(_LINE_AMOUNT, exact.cast(MONEY_TYPE)).withColumn(REASON, _rule_reason())
    # The trimmed texts serve the rules above only. Spark prunes unread columns from a plan but not from a cached
    # one: kept, they would go through both windows' shuffles and fill the cache the job's actions share.
    rows = rows.drop(*(_text_column(name) for name in CONTRACT_COLUMN_NAMES), _LANDED_TEXT)
    rows = rows.withColumn(REASON, F.coalesce(F.col(REASON), _duplicate()))
    return rows.withColumn(REASON, F.coalesce(F.col(REASON), _day_total_overflow()))


def _rule_reason() -> Column:
    """The reason of the first rule before the duplicate rule that a row breaks; null if it breaks none."""
    # A row its source recipe could not map has nothing to judge: its recipe:<name>:<step> reason comes first.
    reason = (
        F.when(F.col(RECIPE_FAILURE).isNotNull(), F.col(RECIPE_FAILURE))
        .when(
            (F.col(LINE_NUMBER) == OBJECT_LINE) & F.col(UNPARSED_LINE).startswith(NOT_UTF8_OBJECT),
            F.lit(INVALID_ENCODING),
        )
        .when(F.col(LINE_NUMBER) == OBJECT_LINE, F.lit(UNREADABLE_OBJECT))
        # A landed value holds the character when their concatenation does (no lambda: Spark runs it interpreted).
        .when(F.instr(F.col(_LANDED_TEXT), REPLACEMENT_CHARACTER) > 0, F.lit(INVALID_ENCODING))
        .when(F.instr(F.col(_LANDED_TEXT), NUL) > 0, F.lit(NUL_CHARACTER))
        .when(F.col(UNPARSED_LINE).isNotNull(), F.lit(UNPARSEABLE_LINE))
    )
    for column in CONTRACT_COLUMNS:
        if column.required:
            reason = reason.when(_is_empty(column.name), F.lit(missing_reason(column.name)))
        does_not_parse = ~_is_empty(column.name) & _parsed(column.name).isNull()
        reason = reason.when(does_not_parse, F.lit(invalid_reason(column.name)))
    business_date = F.date_format(_parsed("sold_at"), "yyyy-MM-dd")
    return (
        reason.when(_parsed("unit_price") < 0, F.lit(NEGATIVE_PRICE))
        .when(_parsed("quantity") == 0, F.lit(ZERO_QUANTITY))
        .when(business_date != F.col(PARTITION_COLUMN), F.lit(OUTSIDE_PARTITION))
        .when(F.col(_LINE_AMOUNT).isNull(), F.lit(INVALID_LINE_AMOUNT))
    )


def _duplicate() -> Column:
    """duplicate for all but the first, by source object and line, of the kept rows of a day equal in every column."""
    # A window partition groups nulls together: null equals null here, as the rule wants.
    same = [F.col(PARTITION_COLUMN), *(_parsed(name) for name in CONTRACT_COLUMN_NAMES)]
    window = Window.partitionBy(F.col(REASON).isNull(), *same).orderBy(SOURCE_OBJECT, LINE_NUMBER)
    return F.when(F.col(REASON).isNull() & (F.row_number().over(window) > 1), F.lit(DUPLICATE))


def _day_total_overflow() -> Column:
    """invalid_day_total for every kept row of a (day, store, product) whose daily_sales totals overflow their types.

    Sums of DECIMAL(18,4) line amounts and of quantities (as DECIMAL(38,0)) are exact in Spark; the final SQL casts
    them to DECIMAL(18,4) and BIGINT, which would fail the whole range for one group of lines.
    """
    group = Window.partitionBy(
        F.col(REASON).isNull(), F.col(PARTITION_COLUMN), _parsed("store_id"), _parsed("product_id")
    )
    quantity, amount, sold = _parsed("quantity").cast("decimal(38,0)"), F.col(_LINE_AMOUNT), _parsed("quantity") > 0
    money_limit = F.lit(Decimal(10**MONEY_PRECISION - 1).scaleb(-MONEY_SCALE))
    totals_overflow = (
        (F.abs(F.sum(F.when(sold, amount).otherwise(0)).over(group)) > money_limit)
        | (F.abs(F.sum(F.when(~sold, amount).otherwise(0)).over(group)) > money_limit)
        | (F.abs(F.sum(amount).over(group)) > money_limit)
        | (F.sum(F.when(sold, quantity).otherwise(0)).over(group) > MAX_UNITS)
        | (-F.sum(F.when(~sold, quantity).otherwise(0)).over(group) > MAX_UNITS)
    )
    return F.when(F.col(REASON).isNull() & totals_overflow, F.lit(INVALID_DAY_TOTAL))


def cleaned_rows(rows: DataFrame) -> DataFrame:
    """The rows with_reasons kept, typed as cleaned/sales stores them; landed extra columns are dropped."""
    return rows.where(F.col(REASON).isNull()).select(
        *(_parsed(name).alias(name) for name in CONTRACT_COLUMN_NAMES),
        F.col(_LINE_AMOUNT).alias("line_amount"),
        (_parsed("quantity") < 0).alias("is_return"),
        SOURCE_OBJECT,
        LINE_NUMBER,
        PARTITION_COLUMN,
    )


def quarantined_rows(rows: DataFrame) -> DataFrame:
    """The rows with_reasons rejected: every landed column as the text that landed, the reason, the lineage."""
    not_extra = {*CONTRACT_COLUMN_NAMES, *RAW_SYSTEM_COLUMNS, REASON}
    extras = [name for name in rows.columns if name not in not_extra and "#" not in name]  # '#': working columns
    return rows.where(F.col(REASON).isNotNull()).select(
        *CONTRACT_COLUMN_NAMES,
        *extras,
        UNPARSED_LINE,
        *RECIPE_COLUMNS,
        REASON,
        SOURCE_OBJECT,
        LINE_NUMBER,
        PARTITION_COLUMN,
    )


def clean(raw: DataFrame, business_timezone: str) -> tuple[DataFrame, DataFrame]:
    """raw rows split by the cleaning rules into (cleaned, quarantine); the session must be in the business zone."""
    rows = with_reasons(raw, business_timezone)
    return cleaned_rows(rows), quarantined_rows(rows)


def read_raw(spark: SparkSession, raw_uri: str, days: list[str]) -> DataFrame | None:
    """The raw partitions of the days in range that hold any rows; None if none does."""
    paths = [
        day_uri(raw_uri, day)
        for day in days
        if any(uri.endswith(".parquet") for uri, _ in list_files(spark, day_uri(raw_uri, day)))
    ]
    if not paths:
        return None
    # Days landed by different runs may have different extra columns, all text: merging their schemas is safe.
    return spark.read.option("basePath", raw_uri).option("mergeSchema", "true").parquet(*paths)


def spread(raw: DataFrame) -> DataFrame:
    """raw over every core, shuffled there only when Spark's own splits of its files would leave a core idle.

    raw holds a file per task that wrote the day (write_days), which Spark splits between tasks only at row groups:
    a day written by every core, or of several row groups, is read by a task per core as it is; a small day is not.
    """
    spark = raw.sparkSession
    parallelism = spark.sparkContext.defaultParallelism
    files = raw.inputFiles()
    if len(files) >= parallelism:
        return raw
    if raw.rdd.getNumPartitions() >= parallelism and sum(row_groups(spark, uri) for uri in files) >= parallelism:
        return raw
    return raw.repartition(parallelism)


@dataclass
class DayCounts:
    """Rows per day: landed in raw, kept in cleaned, quarantined by reason."""

    landed: dict[str, int]
    cleaned: dict[str, int]
    reasons: dict[str, dict[str, int]]

    @classmethod
    def zero(cls, days: list[str]) -> "DayCounts":
        """No rows on any day."""
        return cls({day: 0 for day in days}, {day: 0 for day in days}, {day: {} for day in days})

    @property
    def quarantined(self) -> dict[str, int]:
        """Rows quarantined per day."""
        return {day: sum(reasons.values()) for day, reasons in self.reasons.items()}

    def check_every_row_once(self) -> None:
        """RuntimeError unless rows landed = rows cleaned + rows quarantined, on every day."""
        broken = unconserved_days(self.landed, self.cleaned, self.quarantined)
        if broken:
            raise RuntimeError(f"rows landed != rows cleaned + rows quarantined: {broken}")


def count_rows(days: list[str], raw: DataFrame, rows: DataFrame) -> DayCounts:
    """The rows of raw per day, and of with_reasons(raw) per day and reason."""
    counts = DayCounts.zero(days)
    for day, landed in raw.groupBy(PARTITION_COLUMN).count().collect():
        counts.landed[day] = landed
    for day, reason, count in rows.groupBy(PARTITION_COLUMN, REASON).count().collect():
        if reason is None:
            counts.cleaned[day] = count
        else:
            counts.reasons[day][reason] = count
    return counts


def run(spark: SparkSession, args: dict[str, str]) -> DayCounts:
    """Clean the days in range into cleaned and quarantine; returns the counts Pipes reports."""
    days = business_days(args["start_date"], args["end_date"])
    for table_uri in (args["cleaned_uri"], args["quarantine_uri"]):
        remove_stale_staging(spark, table_uri, days)  # what a killed run of these days left
    raw = read_raw(spark, args["raw_uri"], days)
    counts = DayCounts.zero(days)
    if raw is not None:
        with persisted(with_reasons(spread(raw), args["business_timezone"])) as rows:
            counts = count_rows(days, raw, rows)
            counts.check_every_row_once()
            if any(counts.cleaned.values()):
                write_days(cleaned_rows(rows), args["cleaned_uri"], sum(counts.cleaned.values()))
            if any(counts.quarantined.values()):
                write_days(quarantined_rows(rows), args["quarantine_uri"], sum(counts.quarantined.values()))
    clear_days(spark, args["cleaned_uri"], [day for day, rows in counts.cleaned.items() if not rows])
    clear_days(spark, args["quarantine_uri"], [day for day, rows in counts.quarantined.items() if not rows])
    return counts


def report(pipes, counts: DayCounts, args: dict[str, str]) -> None:
    """Report the cleaned/sales and quarantine/sales materializations to Dagster."""
    reasons = Counter()
    for day_reasons in counts.reasons.values():
        reasons.update(day_reasons)
    pipes.report_asset_materialization(
        asset_key=CLEANED_ASSET_KEY,
        metadata={
            "rows_written": sum(counts.cleaned.values()),
            "rows_by_day": json_metadata(counts.cleaned),
            "rows_landed_by_day": json_metadata(counts.landed),
            "path": path_metadata(args["cleaned_uri"]),
        },
    )
    pipes.report_asset_materialization(
        asset_key=QUARANTINE_ASSET_KEY,
        metadata={
            "rows_written": sum(reasons.values()),
            "rows_by_day": json_metadata(counts.quarantined),
            "reasons": json_metadata(dict(sorted(reasons.items()))),
            "reasons_by_day": json_metadata(counts.reasons),
            "path": path_metadata(args["quarantine_uri"]),
        },
    )


def main(argv: list[str] | None = None) -> None:
    """Parse the job arguments, run under Dagster Pipes, report."""
    args = parse_job_args(ARG_NAMES, argv)
    with open_pipes() as pipes:
        spark = configure_spark(SparkSession.builder.appName(args["JOB_NAME"]), args["business_timezone"])
        report(pipes, run(spark, args), args)


if __name__ == "__main__":
    main()
