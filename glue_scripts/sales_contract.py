"""The landing contract of DESIGN.md as data: columns, types, value formats and quarantine reasons."""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class ContractColumn:
    """One column of the landing contract."""

    name: str
    required: bool
    kind: str  # "string", "timestamp", "integer" or "decimal"


CONTRACT_COLUMNS = (
    ContractColumn("transaction_id", True, "string"),
    ContractColumn("sold_at", True, "timestamp"),
    ContractColumn("store_id", True, "string"),
    ContractColumn("product_id", True, "string"),
    ContractColumn("product_name", False, "string"),
    ContractColumn("category", False, "string"),
    ContractColumn("brand", False, "string"),
    ContractColumn("quantity", True, "integer"),
    ContractColumn("unit_price", True, "decimal"),
    ContractColumn("discount", False, "decimal"),
    ContractColumn("customer_id", False, "string"),
)
CONTRACT_COLUMN_NAMES = tuple(column.name for column in CONTRACT_COLUMNS)
REQUIRED_COLUMN_NAMES = tuple(column.name for column in CONTRACT_COLUMNS if column.required)

# Money is DECIMAL(18,4) from landing to Aurora.
MONEY_PRECISION, MONEY_SCALE = 18, 4
MONEY_TYPE = f"decimal({MONEY_PRECISION},{MONEY_SCALE})"

# Value formats, written once for Python's re and Java's regex alike (both accept this syntax).
# ISO 8601 / RFC 3339 date-time: date, 'T' or space, time with optional fraction, optional Z or offset (an offset
# only after the seconds: Spark's cast refuses 'HH:MM+01:00', and the check and the cleaning must agree).
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
# A business day, as partition keys, folder names and arguments write it (parse_day also checks the calendar).
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A whole number; an integral decimal such as "3.0" (spreadsheet exports) is accepted as 3.
INTEGER_PATTERN = r"^[+-]?\d{1,18}(\.0*)?$"
# Up to 14 integer digits and 4 significant decimal places; trailing zeros past the 4th place are exact.
DECIMAL_PATTERN = r"^[+-]?(\d{1,14}(\.\d{0,4}0*)?|\.\d{1,4}0*)$"

# Whitespace trimmed around every landed value and column name, by land, ingest, cleaning and the checks alike:
# Unicode White_Space (tab to carriage return, space, NEL, NBSP, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
# U+205F, U+3000) plus the zero-width characters U+200B-U+200D, U+2060 and U+FEFF (a byte order mark). The
# characters themselves (for Spark's btrim, which strips a set of characters without a regular expression, several
# times faster), and the character class made of them, written for Python's re and Java's regex alike.
WHITESPACE_CHARACTERS = (
    "\t\n\u000b\f\r \u0085\u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200E)))
    + ("\u2028\u2029\u202f\u205f\u2060\u3000\ufeff")
)
WHITESPACE_CLASS = "[" + "".join(f"\\u{ord(character):04x}" for character in WHITESPACE_CHARACTERS) + "]"
TRIM_PATTERN = rf"^{WHITESPACE_CLASS}+|{WHITESPACE_CLASS}+$"
# A line of whitespace only holds no row.
BLANK_LINE_PATTERN = rf"^{WHITESPACE_CLASS}*$"
_TRIM = re.compile(TRIM_PATTERN)

# Landing objects: the key layout and the formats a store may drop.
LANDING_TABLE_PREFIX = "sales"
DATA_FILE_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}

# Lake partition column (a Hive-style folder business_date=YYYY-MM-DD, typed string in every catalog).
PARTITION_COLUMN = "business_date"

# Lineage columns added at ingest.
SOURCE_OBJECT, SOURCE_MD5, SOURCE_BYTES, LINE_NUMBER = (
    "_source_object",
    "_source_md5",
    "_source_bytes",
    "_line_number",
)

# Quarantine reasons, in the order the cleaning rules are tried.
NEGATIVE_PRICE, ZERO_QUANTITY, OUTSIDE_PARTITION, DUPLICATE = (
    "negative_price",
    "zero_quantity",
    "outside_partition",
    "duplicate",
)
# Two more reasons: a landed line that did not parse (CSV field count or quoting, broken JSON) is tried first of
# all; a line amount that overflows DECIMAL(18,4) is tried after outside_partition, before duplicate.
UNPARSEABLE_LINE, INVALID_LINE_AMOUNT = "unparseable_line", "invalid_line_amount"
# Tried before every other rule: bytes that are not UTF-8 (Spark's decoder puts U+FFFD in their place, and no
# supplier sends U+FFFD on purpose), and a NUL character, which PostgreSQL text cannot hold.
INVALID_ENCODING, NUL_CHARACTER = "invalid_encoding", "nul_character"
REPLACEMENT_CHARACTER, NUL = "\ufffd", "\x00"
# Tried first of all: a landing object ingest could not read at all (a truncated gzip, UTF-16, a file that is not
# Parquet, repeated column names). Raw keeps one row for it, at line OBJECT_LINE, with the problem as its unparsed
# line: it fails only its own day's object, and the rest of the day and of the run loads.
UNREADABLE_OBJECT, OBJECT_LINE = "unreadable_object", 0
# How the problem of a whole object that is not UTF-8 text (UTF-16, UTF-32) starts: its row is quarantined as
# invalid_encoding, the reason its own bytes deserve, not as the generic unreadable_object.
NOT_UTF8_OBJECT = "not UTF-8"
# Tried last, on the rows every other rule kept: the lines of a (day, store, product) whose daily_sales totals
# (units, gross, returns or net revenue) cannot be represented as BIGINT or DECIMAL(18,4) are all quarantined.
INVALID_DAY_TOTAL = "invalid_day_total"
MAX_UNITS = (1 << 63) - 1

# System columns of raw and quarantine: the text of a line that did not parse, and the quarantine reason.
UNPARSED_LINE, REASON = "_unparsed_line", "reason"
# System columns of the rows of an object read with a source recipe (glue_scripts/recipes): the record as it
# landed, the recipe's name and SHA-256, and for a row it could not map, the reason (recipe:<name>:<step>) and why.
SOURCE_RECORD, RECIPE, RECIPE_SHA256, RECIPE_FAILURE, RECIPE_ERROR = (
    "_source_record",
    "_recipe",
    "_recipe_sha256",
    "_recipe_failure",
    "_recipe_error",
)
RECIPE_COLUMNS = (SOURCE_RECORD, RECIPE, RECIPE_SHA256, RECIPE_FAILURE, RECIPE_ERROR)
# The columns ingest adds after the landed ones, in raw's order: the unparsed line, the recipe's columns, the
# lineage, the partition.
RAW_SYSTEM_COLUMNS = (
    UNPARSED_LINE,
    *RECIPE_COLUMNS,
    SOURCE_OBJECT,
    SOURCE_MD5,
    SOURCE_BYTES,
    LINE_NUMBER,
    PARTITION_COLUMN,
)


def missing_reason(column: str) -> str:
    """The quarantine reason for a required column that is absent or empty."""
    return f"missing_{column}"


def invalid_reason(column: str) -> str:
    """The quarantine reason for a value that does not parse as its column's type."""
    return f"invalid_{column}"


def recipe_reason(recipe_name: str, step: str) -> str:
    """The quarantine reason for a row a source recipe could not map: recipe:<name>:<step>."""
    return f"recipe:{recipe_name}:{step}"


# Every quarantine reason: a rule's (lower case and _) or a recipe step's.
REASON_PATTERN = r"^([a-z_]+|recipe:[a-z][a-z0-9_]*:[a-z_.]+)$"


def normalized_column_name(landed: str) -> str:
    """A landed column name as the lake keeps it: trimmed, lower-cased, other than [a-z0-9_] runs made '_'.

    Glue's catalog and Athena take only such names, and Spark would read a '.' as a nested field.
    """
    return re.sub(r"[^a-z0-9_]+", "_", trimmed(landed).lower())


def trimmed(text: str) -> str:
    """text without the whitespace of WHITESPACE_CLASS around it."""
    return _TRIM.sub("", text)


def repeated_columns_problem(names: list[str]) -> str | None:
    """Why a file's columns, named as the lake keeps them, cannot be told apart; None when they can."""
    collisions = sorted({name for name in names if names.count(name) > 1})
    if not collisions:
        return None
    return f"columns {collisions} appear twice (column names match case-insensitively, trimmed)"


def is_hidden(key: str) -> bool:
    """A temporary or marker object ('.' or '_' starting any name in the key), which ingest never reads."""
    return any(name.startswith((".", "_")) for name in key.split("/"))


def is_folder_marker(key: str) -> bool:
    """A folder marker object ('<folder>/' or the '<folder>_$folder$' of older S3 tools): never data."""
    return key.endswith(("/", "_$folder$"))


def key_segments_problem(key: str) -> str | None:
    """Why a key cannot be read as itself: an empty, '.' or '..' segment, which Hadoop normalises into another key."""
    segments = key.removesuffix("/").split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return "a key with an empty, '.' or '..' segment names another object once normalised: refused"
    return None


SYMLINK_PROBLEM = "a symbolic link: skipped, never followed (landing objects are plain files)"


def data_file_format(key: str) -> str | None:
    """The landing format of an object key by its suffix, or None for a file that is not data."""
    lowered = key.lower()
    for suffix, file_format in DATA_FILE_SUFFIXES.items():
        if lowered.endswith(suffix):
            return file_format
    return None


def suffix_case_problem(key: str) -> str | None:
    """Why a data file's suffix would be misread, or None: Hadoop decompresses by the exact, lower-case .gz."""
    if key.lower().endswith(".gz") and not key.endswith(".gz"):
        return "rename to a lower-case .csv.gz suffix"
    return None


def parse_day(value: str) -> datetime.date:
    """A YYYY-MM-DD string as a date (these values end up in paths, so nothing else is accepted)."""
    if not re.match(DAY_PATTERN, value or ""):
        raise ValueError(f"not a YYYY-MM-DD date: {value!r}")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a calendar day") from error


def business_days(start: str, end: str) -> list[str]:
    """Every day from start to end inclusive, as YYYY-MM-DD; ValueError for anything else."""
    first, last = parse_day(start), parse_day(end)
    if first > last:
        raise ValueError(f"start_date {start} is after end_date {end}")
    return [(first + datetime.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def business_zone(name: str) -> ZoneInfo:
    """The ZoneInfo of the business time zone, an IANA name; ValueError with a readable message otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not an IANA timezone (e.g. America/New_York)") from error


def unconserved_days(
    landed: dict[str, int], cleaned: dict[str, int], quarantined: dict[str, int]
) -> dict[str, dict[str, int]]:
    """The days where rows landed != rows cleaned + rows quarantined (every landed row ends in exactly one)."""
    return {
        day: {"landed": rows, "cleaned": cleaned[day], "quarantined": quarantined[day]}
        for day, rows in landed.items()
        if rows != cleaned[day] + quarantined[day]
    }
