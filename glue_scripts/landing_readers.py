"""Readers of landing files: every accepted format as rows of text, each with its file and line number.

Every value is kept as text (raw keeps what landed; cleaning decides what it means). Column names are matched
case-insensitively, so they are stored trimmed and lower-cased.
"""

import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from py4j.protocol import Py4JJavaError
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from glue_scripts.hadoop_files import parquet_file_opener
from glue_scripts.reading_rules import (
    FIELDS,
    FILE,
    FORMAT,
    HEADER,
    JSON_SPACE_CLASS,
    LINE_INDEX,
    RESERVED_COLUMNS,
    TEXT,
    column_name,
    column_names,
    double_text,
    json_line_fields,
)
from glue_scripts.reading_rules import PARTITION as _PARTITION
from glue_scripts.sales_contract import (
    LINE_NUMBER,
    PARTITION_COLUMN,
    SOURCE_BYTES,
    SOURCE_MD5,
    SOURCE_OBJECT,
    UNPARSED_LINE,
    WHITESPACE_CHARACTERS,
)
from glue_scripts.spark_session import one_partition_per_core
from glue_scripts.spark_text import trimmed_text

_ROW_BITS = 33  # monotonically_increasing_id() is (partition index << 33) + row index within the partition
_HUGE_BYTES = str(1 << 40)
_CORRUPT = "_corrupt"
# Working columns of the JSON Lines reader: from_json's map, its keys lower-cased, whether from_json read it exactly.
_LANDED, _NAMES, _EXACT = "_json_landed", "_json_names", "_json_exact"
_NANOS_PER_SECOND = 1_000_000_000
# RFC 4180: a quote inside a quoted field is doubled ("" not \").
_CSV_OPTIONS = {"escape": '"', "mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT}
# A JSON Lines line from_json reads exactly as json_line_fields does (_json_fields), and each of its keys: with no
# escapes in strings, every '"' delimits a string, so a quoted name followed by ':' is a key.
_JSON_SPACE = f"{JSON_SPACE_CLASS}*+"
# An ASCII key's raw name is the key lower-cased (normalized_column_name); exports often name columns in upper case.
_JSON_KEY = rf'"[A-Za-z0-9_]++"{_JSON_SPACE}:'
_UPPER, _LOWER = string.ascii_uppercase, string.ascii_lowercase
_JSON_VALUE = r'(?:"[^"\\\x00-\x1f]*+"|0|-?[1-9][0-9]*+|true|false|null)'
_JSON_MEMBER = f"{_JSON_KEY}{_JSON_SPACE}{_JSON_VALUE}"
_JSON_MEMBERS = f"(?:{_JSON_MEMBER}(?:{_JSON_SPACE},{_JSON_SPACE}{_JSON_MEMBER})*+)?"
_EXACT_JSON_LINE = rf"^{_JSON_SPACE}\{{{_JSON_SPACE}{_JSON_MEMBERS}{_JSON_SPACE}\}}{_JSON_SPACE}$"
# Columns every landed row gets from its file (LINE_NUMBER and UNPARSED_LINE come from the row itself).
LINEAGE_COLUMNS = (SOURCE_OBJECT, SOURCE_MD5, SOURCE_BYTES, PARTITION_COLUMN)


def escape_glob(uri: str) -> str:
    """A file URI that Spark's readers take literally (they expand glob characters such as [ ] { } * ?)."""
    return re.sub(r"([\\\[\]{}*?])", r"\\\1", uri)


@contextmanager
def one_partition_per_file(spark: SparkSession) -> Iterator[None]:
    """Make every file a read touches one unsplit partition of its own, for as long as the block runs."""
    keys = ("spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes")
    before = {key: spark.conf.get(key) for key in keys}
    # Splits are at most maxPartitionBytes, and every file counts openCostInBytes more when files are packed
    # into partitions: both huge means no file is split and no two files share a partition.
    for key in keys:
        spark.conf.set(key, _HUGE_BYTES)
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def read_text_lines(spark: SparkSession, uris: list[str]) -> DataFrame:
    """Every physical line of text files (.gz decompressed), with its file and 0-based line index.

    Run inside one_partition_per_file: with each file alone in an unsplit partition, the row index within the
    partition, the low bits of monotonically_increasing_id(), is the line index within the file. Once every line
    has its index, the files' partitions are merged into one per core: every later step (parsing, the Python
    reader, the cache) would otherwise run a task per file, and a day of small files spent most of its time
    starting tasks (the demo's week: 8.9 s -> 4.8 s warm).
    """
    lines = spark.read.text([escape_glob(uri) for uri in uris]).select(
        F.input_file_name().alias(FILE), F.monotonically_increasing_id().alias("_id"), "value"
    )
    index = F.col("_id").bitwiseAND((1 << _ROW_BITS) - 1)
    # A UTF-8 byte order mark (spreadsheet exports) is not text of the first line.
    text = F.when(index == 0, F.regexp_replace("value", "^\ufeff", "")).otherwise(F.col("value"))
    return one_partition_per_core(
        lines.select(FILE, F.shiftright("_id", _ROW_BITS).alias(_PARTITION), index.alias(LINE_INDEX), text.alias(TEXT))
    )


def first_lines(lines: DataFrame) -> dict[str, str]:
    """The first line of every file in read_text_lines' output; RuntimeError if a file was split after all."""
    stats = (
        lines.groupBy(FILE)
        .agg(
            # min = max says one partition, as countDistinct would, without its extra aggregation.
            F.min(_PARTITION).alias("first_partition"),
            F.max(_PARTITION).alias("last_partition"),
            F.min(LINE_INDEX).alias("first_index"),
            F.max(F.when(F.col(LINE_INDEX) == 0, F.col(TEXT))).alias("first_line"),
        )
        .collect()
    )
    split = [row[FILE] for row in stats if row.first_partition != row.last_partition or row.first_index != 0]
    if split:
        raise RuntimeError(f"files read in more than one partition, line numbers would be wrong: {split[:5]}")
    return {row[FILE]: row.first_line for row in stats}


TRUNCATED_GZIP = "truncated gzip (or not gzip): it does not decompress to its end"


def undecompressable(spark: SparkSession, uris: list[str]) -> list[str]:
    """The .gz files among uris that Spark cannot read to their end (a truncated or corrupt gzip)."""
    return [uri for uri in uris if uri.endswith(".gz") and not _decompresses(spark, uri)]


def _decompresses(spark: SparkSession, uri: str) -> bool:
    """Whether Spark reads a .gz file to its end."""
    try:
        spark.read.text(escape_glob(uri)).count()
    except Py4JJavaError:
        return False
    return True


def text_rows(lines: DataFrame, headers: list[list[str]]) -> DataFrame:
    """Rows of CSV and JSON Lines files, a column per landed name, from lines joined with their file's lineage.

    headers are the raw column names of every CSV file, from reading_rules.csv_header; a JSON Lines file names its columns
    on every line. Blank lines are skipped: they are not rows.
    """
    lines = lines.where(trimmed_text(F.col(TEXT)) != "")
    jsonl = lines.where(F.col(FORMAT) == "jsonl")
    names = sorted(set().union(*headers, _json_keys(jsonl)))
    rows = _json_fields(jsonl)
    widths = sorted({len(header) for header in headers})
    if widths:
        rows = rows.unionByName(_csv_fields(lines.where(F.col(FORMAT) == "csv"), widths))
    return rows.select(
        *LINEAGE_COLUMNS,
        (F.col(LINE_INDEX) + 1).alias(LINE_NUMBER),
        UNPARSED_LINE,
        *(F.col(FIELDS)[name].alias(name) for name in names),
    )


def _csv_fields(lines: DataFrame, widths: list[int]) -> DataFrame:
    """The data lines of CSV files with their fields by column name, or their text when they do not parse.

    One record per line: a quoted field holding a line break is not supported. Its physical lines do not parse
    (RFC 4180 doubles quotes inside quoted fields, so a whole record has an even number of quote characters, or
    else the field count is wrong) and each is kept as an unparsed line, which cleaning quarantines.
    """
    data = lines.where(F.col(LINE_INDEX) > 0)
    # from_csv needs one schema per expression: one parse per header width, only on the lines of that width.
    parsed = []
    for width in widths:
        schema = ", ".join([*(f"c{i} STRING" for i in range(width)), f"{_CORRUPT} STRING"])
        parse = F.when(F.size(HEADER) == width, F.from_csv(F.col(TEXT), schema, _CSV_OPTIONS))
        data = data.withColumn(f"_csv{width}", parse)
        parsed.append((width, F.col(f"_csv{width}")))
    values = F.coalesce(*(F.when(p.isNotNull(), F.array(*(p[f"c{i}"] for i in range(w)))) for w, p in parsed))
    corrupt = F.coalesce(*(p[_CORRUPT] for _, p in parsed))
    quotes = F.length(TEXT) - F.length(F.translate(TEXT, '"', ""))
    unparsed = F.when(corrupt.isNotNull() | (quotes % 2 == 1), F.col(TEXT))
    fields = F.when(unparsed.isNull(), F.map_from_arrays(HEADER, values))
    # A record of empty or whitespace-only fields (a spreadsheet's trailing ",,,,") is blank too (is_blank_record):
    # its fields run together are whitespace only (no lambda over the fields: Spark runs those interpreted). Only a
    # line of whitespace, commas and quotes can be one, and the parse is looked at for those lines alone: Spark
    # pushes this filter into the join below it, where the parse ran again for every field it read.
    maybe_blank = F.btrim(F.col(TEXT), F.lit(f'{WHITESPACE_CHARACTERS},"')) == ""
    blank = maybe_blank & unparsed.isNull() & (trimmed_text(F.concat_ws("", values)) == "")
    return data.where(~blank).select(*lines.columns, fields.alias(FIELDS), unparsed.alias(UNPARSED_LINE))


def _json_keys(lines: DataFrame) -> set[str]:
    """The raw column names of every top-level key in JSON Lines files."""
    keys = lines.select(F.explode(F.json_object_keys(TEXT)).alias("key")).distinct().collect()
    return {name for name in (column_name(row.key) for row in keys) if name}


def _json_fields(lines: DataFrame) -> DataFrame:
    """The lines of JSON Lines files with their fields by column name, or their text when they do not parse.

    Spark's JSON functions re-render numbers through a double (12345678901234.1234 becomes 1.2345678901234123E13,
    0.0002 becomes 2.0E-4), and money must not go through binary floating point: the exact text comes from a Python
    parser (json_line_fields), run on the executors. A line whose text Spark's from_json keeps exactly goes through
    from_json instead, without the round trip to Python: a flat object of distinct ASCII keys (once lower-cased),
    none reserved, whose values are strings without escapes, integers, true, false or null.
    """
    reserved = F.array(*(F.lit(name) for name in sorted(RESERVED_COLUMNS)))
    landed = F.when(F.col(TEXT).rlike(_EXACT_JSON_LINE), F.from_json(TEXT, T.MapType(T.StringType(), T.StringType())))
    # translate lower-cases exactly the ASCII letters, as normalized_column_name does, whatever the JVM's locale.
    names = F.transform(F.map_keys(_LANDED), lambda key: F.translate(key, _UPPER, _LOWER))
    # from_json keeps repeated keys, which json_line_fields refuses: there are fewer distinct names than keys.
    exact = F.coalesce(
        (F.size(F.array_distinct(_NAMES)) == F.regexp_count(TEXT, F.lit(_JSON_KEY))) & ~F.arrays_overlap(_NAMES, reserved),
        F.lit(False),
    )
    # Each step a column of its own, and no filter on them: Spark pushes a filter below the projection that computes
    # its column, and so parsed every line five times when the two kinds of line were split by filters.
    read = lines.withColumn(_LANDED, landed).withColumn(_NAMES, names).withColumn(_EXACT, exact)
    # The Python parser sees only the other lines' text (null for the exact ones, which it returns at once).
    parsed = F.udf(_json_line_fields_or_none, T.MapType(T.StringType(), T.StringType()))(
        F.when(~F.col(_EXACT), F.col(TEXT))
    )
    fields = F.when(F.col(_EXACT), F.map_from_arrays(_NAMES, F.map_values(_LANDED))).otherwise(parsed)
    data = read.withColumn(FIELDS, fields).drop(_LANDED, _NAMES, _EXACT)
    return data.withColumn(UNPARSED_LINE, F.when(F.col(FIELDS).isNull(), F.col(TEXT)))


def _json_line_fields_or_none(line: str | None) -> dict[str, str | None] | None:
    """json_line_fields of a line, None for no line."""
    return None if line is None else json_line_fields(line)


@dataclass(frozen=True)
class ParquetSchema:
    """What the reader needs from a Parquet file's footer: Spark's schema of it and its nanosecond timestamps."""

    spark: T.StructType
    # Columns of TIMESTAMP(NANOS) by name, True when adjusted to UTC (Spark reads them as longs: nanosAsLong).
    nanos: tuple[tuple[str, bool], ...]

    def columns_key(self) -> str:
        """The same for two files of the same columns (each name with its type), in whatever order."""
        return repr((sorted(field.json() for field in self.spark.fields), self.nanos))


class _FooterReader:
    """Parquet footers read by Parquet's own Java reader, and Spark's schema of each, in a few py4j calls a file.

    The JVM classes and the schema converter are looked up once: py4j resolves each name of a class path with a
    call of its own, and iterating a Java list costs calls per element (a file took 210 calls, 15-20 ms).
    """

    def __init__(self, spark: SparkSession):
        jvm = spark._jvm
        self._path = jvm.org.apache.hadoop.fs.Path
        self._footer = jvm.org.apache.parquet.hadoop.Footer
        self._open = parquet_file_opener(spark)
        parquet = jvm.org.apache.spark.sql.execution.datasources.parquet
        self._spark_schema = parquet.ParquetFileFormat.readSchemaFromFooter
        # The converter of spark.read.parquet, with the session's settings (nanosAsLong, inferTimestampNTZ).
        self._converter = parquet.ParquetToSparkSchemaConverter(spark._jsparkSession.sessionState().conf())

    def schema(self, uri: str) -> ParquetSchema:
        """A Parquet file's schema; ValueError naming the file when its footer or Spark's schema cannot be read."""
        try:
            with self._open(uri) as reader:
                metadata = reader.getFooter()
        except Py4JJavaError as error:
            raise ValueError(f"{uri}: not a readable Parquet file: {_java_message(error)}") from error
        try:
            java_schema = self._spark_schema(self._footer(self._path(uri), metadata), self._converter)
            spark_schema = T._parse_datatype_json_string(java_schema.json())
        except Py4JJavaError as error:
            raise ValueError(f"{uri}: Spark cannot read this Parquet file: {_java_message(error)}") from error
        column_names(spark_schema.fieldNames(), uri)  # fails here, naming the file, if two columns collide
        return ParquetSchema(spark_schema, _nanos_columns(metadata.getFileMetaData().getSchema()))


def _nanos_columns(message) -> tuple[tuple[str, bool], ...]:
    """The TIMESTAMP(NANOS) columns of a Parquet schema, each with whether it is adjusted to UTC, by name."""
    # One call for the schema's text; the fields are looked at one by one only when it mentions such a column.
    if "TIMESTAMP(NANOS" not in message.toString():
        return ()
    nanos = []
    for index in range(message.getFieldCount()):
        field = message.getType(index)
        annotation = field.getLogicalTypeAnnotation() if field.isPrimitive() else None
        if annotation is not None and annotation.toString().startswith("TIMESTAMP(NANOS"):
            nanos.append((field.getName(), bool(annotation.isAdjustedToUTC())))
    return tuple(sorted(nanos))


def _java_message(error: Py4JJavaError) -> str:
    """The first line of a Java exception's message."""
    return str(error.java_exception.toString()).splitlines()[0]


def parquet_schema_groups(
    spark: SparkSession, uris: list[str], unreadable: dict[str, str]
) -> list[tuple[ParquetSchema, list[str]]]:
    """Parquet files grouped by their columns (read from each footer), so each group is read once with its schema.

    Files of the same columns in another order share a group: Spark's Parquet reader finds a column of the schema
    it is given by name in each file (a store's export orders its columns as it likes; a group per order made a
    100-day range 61 reads, each inferring its schema with a Spark job of its own). A file whose footer or schema
    cannot be read, or whose columns collide, is left out and put in unreadable with the problem, so that it fails
    alone rather than every day the job reads.
    """
    footers = _FooterReader(spark)
    groups: dict[str, tuple[ParquetSchema, list[str]]] = {}
    for uri in uris:
        try:
            schema = footers.schema(uri)
        except ValueError as error:
            unreadable[uri] = str(error).removeprefix(f"{uri}: ")
            continue
        groups.setdefault(schema.columns_key(), (schema, []))[1].append(uri)
    return list(groups.values())


def parquet_rows(spark: SparkSession, schema: ParquetSchema, uris: list[str]) -> DataFrame:
    """Rows of Parquet files of the same columns, every value as text, with the 1-based row index as line number."""
    df = spark.read.schema(schema.spark).parquet(*(escape_glob(uri) for uri in uris))
    names = column_names(df.schema.fieldNames(), uris[0])
    nanos = dict(schema.nanos)
    values = [
        (
            _nanos_text(field.name, nanos[field.name])
            if field.name in nanos
            else _as_text(df[field.name], field.dataType)
        ).alias(name)
        for field, name in zip(df.schema, names)
    ]
    return df.select(F.input_file_name().alias(FILE), (F.col("_metadata.row_index") + 1).alias(LINE_NUMBER), *values)


def _nanos_text(name: str, utc: bool) -> Column:
    """A TIMESTAMP(NANOS) read as a long, as ISO 8601 text with every digit of its fraction (Z when in UTC).

    Spark has no nanosecond timestamp type: the date and clock are computed from the whole seconds (the value's own
    wall clock, whatever the session's time zone) and the nanoseconds appended as digits, trailing zeros dropped.
    """
    quoted = "`" + name.replace("`", "``") + "`"
    nanoseconds = F.col(quoted)
    fraction = F.pmod(nanoseconds, F.lit(_NANOS_PER_SECOND))
    # Whole seconds by integer division (a double would round a long this large).
    seconds = F.expr(f"({quoted} - pmod({quoted}, {_NANOS_PER_SECOND})) div {_NANOS_PER_SECOND}")
    digits = F.regexp_replace(F.lpad(fraction.cast("string"), 9, "0"), "0+$", "")
    # The date and the time of day from the seconds themselves: date_format would render them in the session's
    # time zone, which differs between Glue, the tests and a user's Spark.
    day = F.date_add(F.lit("1970-01-01").cast("date"), F.floor(seconds / F.lit(86_400)).cast("int"))
    of_day = F.pmod(seconds, F.lit(86_400))
    hours, minutes = F.floor(of_day / 3600), F.floor(F.pmod(of_day, F.lit(3600)) / 60)
    clock = F.concat_ws(
        ":", *(F.lpad(part.cast("int").cast("string"), 2, "0") for part in (hours, minutes, F.pmod(of_day, F.lit(60))))
    )
    text = F.concat(
        day.cast("string"),
        F.lit("T"),
        clock,
        F.when(digits != "", F.concat(F.lit("."), digits)).otherwise(F.lit("")),
        F.lit("Z" if utc else ""),
    )
    return F.when(nanoseconds.isNotNull(), text)


def _as_text(value: Column, data_type: T.DataType) -> Column:
    """A Parquet value as text: what a CSV export of the same data would hold."""
    if isinstance(data_type, T.DoubleType):
        # Spark would write 1.0E-4 for 0.0001: the shortest text that round-trips, as Python writes it, instead.
        return F.udf(double_text, T.StringType())(value)
    if isinstance(data_type, T.TimestampType):
        # An instant: ISO 8601 with its offset (Z in UTC), fraction of a second only when there is one.
        text = F.date_format(value, "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
        return F.regexp_replace(text, r"\.000000(?!\d)", "")
    if isinstance(data_type, T.TimestampNTZType):
        # A local date-time, no offset; cast rather than date_format, which would shift times in a DST gap.
        return F.regexp_replace(value.cast("string"), " ", "T")
    if isinstance(data_type, T.DecimalType):
        # Every digit, never an exponent (a plain cast gives 0E-10 for a zero of scale 10).
        return F.regexp_replace(F.format_number(value, data_type.scale), ",", "")
    if isinstance(data_type, (T.ArrayType, T.MapType, T.StructType)):
        return F.to_json(value)
    return value.cast("string")
