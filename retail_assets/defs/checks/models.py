"""Pandera models of DESIGN.md's tables: the landing contract as raw keeps it, cleaned, quarantine, daily_sales.

Each model's columns, types and nullability come from retail_assets.tables; this module adds only the rules.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from pyarrow import types as pa_types

from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    CONTRACT_COLUMNS,
    DECIMAL_PATTERN,
    INTEGER_PATTERN,
    LINE_NUMBER,
    NUL,
    OBJECT_LINE,
    PARTITION_COLUMN,
    REASON,
    REASON_PATTERN,
    REPLACEMENT_CHARACTER,
    REQUIRED_COLUMN_NAMES,
    SOURCE_OBJECT,
    TIMESTAMP_PATTERN,
    WHITESPACE_CHARACTERS,
)
from retail_assets.defs.resources.pipeline import BUSINESS_TIMEZONE_ATTR
from retail_assets.tables import CLEANED_SALES_TABLE, DAILY_SALES_TABLE, QUARANTINE_SALES_TABLE, RAW_SALES_TABLE, Table

# Nanosecond timestamps: what pandera's timezone-aware type expects (the check factory reads them so).
UtcTimestamp = Annotated[pd.DatetimeTZDtype, "ns", "UTC"]
# Text as Arrow holds it (checked_frame reads it so): pandera checks a str column's type by a Python call per value,
# an Arrow-backed one by its dtype, and pandas runs its string methods and null tests on it in C++. A column of
# Python str objects still passes (value by value), one of anything else fails.
ARROW_TEXT = pd.StringDtype("pyarrow")
ArrowText = Annotated[pd.StringDtype, "pyarrow", pd.NA]  # the same type; pandera asks for both of its arguments
NON_EMPTY = {"str_length": {"min_value": 1}}
IS_DAY = {"str_matches": r"^\d{4}-\d{2}-\d{2}$"}


def pandas_type(table: Table, name: str) -> object:
    """The pandera column type of a declared column as the checks read it (the partition is text in the lake)."""
    arrow_type = table.lake_schema().field(name).type
    if pa_types.is_decimal(arrow_type):
        return Series[object]  # exact Decimal values; money_is_decimal checks each one
    if pa_types.is_timestamp(arrow_type):
        return Series[UtcTimestamp]
    if pa_types.is_string(arrow_type):
        return Series[ArrowText]
    scalars = {pa_types.is_int64: int, pa_types.is_boolean: bool}
    for is_type, scalar in scalars.items():
        if is_type(arrow_type):
            return Series[scalar]
    raise ValueError(f"{table.zone}/{table.name}.{name}: no pandera type for {arrow_type}")


def declared_columns(
    table: Table, names: Sequence[str], rules: Mapping[str, Mapping] | None = None
) -> type[pa.DataFrameModel]:
    """A model base with the declared columns `names` of table, their types and nullability, plus field rules."""
    rules = rules or {}
    annotations, fields = {}, {}
    for name in names:
        # pandera ignores attributes starting with "_": such columns are reached through their alias.
        attribute = name.lstrip("_")
        annotations[attribute] = pandas_type(table, name)
        fields[attribute] = pa.Field(nullable=table.column(name).nullable, alias=name, **rules.get(name, {}))
    return type(
        f"Declared{table.zone.title()}Columns", (pa.DataFrameModel,), {"__annotations__": annotations, **fields}
    )


# The columns each model checks: what its check reads of the table.
CLEANED_CHECKED = (*CONTRACT_COLUMN_NAMES, "line_amount", "is_return", PARTITION_COLUMN)
QUARANTINE_CHECKED = (REASON, SOURCE_OBJECT, LINE_NUMBER, PARTITION_COLUMN)
# daily_sales: every column that may not be null (the product's name, category and brand may).
DAILY_SALES_CHECKED = (PARTITION_COLUMN, *(column.name for column in DAILY_SALES_TABLE.columns if not column.nullable))
CONTRACT_STRING_COLUMNS = tuple(column.name for column in CONTRACT_COLUMNS if column.kind == "string")
DAILY_SALES_COUNTS = tuple(column.name for column in DAILY_SALES_TABLE.columns if pa_types.is_integer(column.type))


def _trimmed(series: pd.Series) -> pd.Series:
    """Arrow-backed text with the contract's whitespace trimmed, as the cleaning job trims it (btrim, same set)."""
    # Arrow-backed text strips a set of characters in C++ (pyarrow's utf8_trim), as Spark's btrim does: the regular
    # expression over TRIM_PATTERN, one Python call per value, took half of the landing values check's time.
    return series.astype(ARROW_TEXT).str.strip(WHITESPACE_CHARACTERS)


def _present(series: pd.Series) -> pd.Series:
    """Not null and not only whitespace."""
    return _present_text(_trimmed(series))


def _present_text(trimmed: pd.Series) -> pd.Series:
    """Not null and not empty, of text already trimmed (null where the value was)."""
    return trimmed.notna() & (trimmed != "")


def _matches_or_empty(series: pd.Series, pattern: str) -> pd.Series:
    """Empty, or trimmed text matching pattern (emptiness is the required-column rule's business)."""
    text = _trimmed(series)
    # Matched as Python strings, with Python's re, as the contract's tests match the patterns (Arrow's RE2 is another
    # dialect). pandera's own str_matches (the day's and the reason's format) runs on RE2: stricter (ASCII digits only,
    # no line break before $), and the lake's days and reasons are written by the jobs in that form.
    return (~_present_text(text) | text.astype("string").str.match(pattern)).fillna(True).astype(bool)


def _is_decimal(series: pd.Series) -> pd.Series:
    """Each value is an exact Decimal: money never passes through binary floating point."""
    # pandas' type inference looks at every value in C: value by value in Python only when one is not a Decimal.
    if pd.api.types.infer_dtype(series, skipna=True) == "decimal":
        return series.notna()
    return series.map(lambda value: isinstance(value, Decimal)).astype(bool)


class LandingValues(declared_columns(RAW_SALES_TABLE, [*REQUIRED_COLUMN_NAMES, "discount"])):
    """raw/sales as landed text: required values present, typed values parse as their type."""

    @pa.check(*REQUIRED_COLUMN_NAMES, name="required_present")
    def required_present(cls, series: pd.Series) -> pd.Series:
        return _present(series)

    @pa.check("sold_at", name="sold_at_parses")
    def sold_at_parses(cls, series: pd.Series) -> pd.Series:
        return _matches_or_empty(series, TIMESTAMP_PATTERN)

    @pa.check("quantity", name="quantity_parses")
    def quantity_parses(cls, series: pd.Series) -> pd.Series:
        return _matches_or_empty(series, INTEGER_PATTERN)

    @pa.check("unit_price", "discount", name="money_parses")
    def money_parses(cls, series: pd.Series) -> pd.Series:
        return _matches_or_empty(series, DECIMAL_PATTERN)


class CleanedSales(
    declared_columns(
        CLEANED_SALES_TABLE,
        CLEANED_CHECKED,
        {
            "transaction_id": NON_EMPTY,
            "store_id": NON_EMPTY,
            "product_id": NON_EMPTY,
            "quantity": {"ne": 0},
            PARTITION_COLUMN: IS_DAY,
        },
    )
):
    """cleaned/sales: keys present, quantity != 0, unit_price >= 0, sold on its business day, no duplicates."""

    @pa.check("unit_price", "discount", "line_amount", name="money_is_decimal")
    def money_is_decimal(cls, series: pd.Series) -> pd.Series:
        return _is_decimal(series)

    @pa.check(*CONTRACT_STRING_COLUMNS, name="no_nul_or_undecodable_characters")
    def no_nul_or_undecodable(cls, series: pd.Series) -> pd.Series:
        # PostgreSQL text cannot hold NUL; U+FFFD is where bytes were not UTF-8 (nul_character, invalid_encoding).
        text = series.astype(ARROW_TEXT)
        held = text.str.contains(NUL, regex=False) | text.str.contains(REPLACEMENT_CHARACTER, regex=False)
        return ~held.fillna(False).astype(bool)

    @pa.check("unit_price", name="unit_price_not_negative")
    def unit_price_not_negative(cls, series: pd.Series) -> pd.Series:
        return series >= 0

    @pa.dataframe_check(name="line_amount_is_quantity_times_price_less_discount")
    def line_amount_exact(cls, frame: pd.DataFrame) -> pd.Series:
        expected = frame["quantity"].map(Decimal) * frame["unit_price"] - frame["discount"]
        return expected == frame["line_amount"]

    @pa.dataframe_check(name="is_return_when_quantity_negative")
    def is_return_matches(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["is_return"] == (frame["quantity"] < 0)

    @pa.dataframe_check(name="sold_on_its_business_date")
    def sold_on_business_date(cls, frame: pd.DataFrame) -> pd.Series:
        # The check factory puts the pipeline's business time zone on the frame (no settings read at run time).
        local_day = (
            frame["sold_at"].dt.tz_convert(frame.attrs[BUSINESS_TIMEZONE_ATTR]).dt.tz_localize(None).dt.floor("D")
        )
        return local_day == pd.to_datetime(frame["business_date"], format="%Y-%m-%d")

    @pa.dataframe_check(name="no_duplicate_lines")
    def no_duplicates(cls, frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(subset=[*CONTRACT_COLUMN_NAMES, "business_date"], keep="first")


class QuarantineSales(
    declared_columns(
        QUARANTINE_SALES_TABLE,
        QUARANTINE_CHECKED,
        {REASON: {"str_matches": REASON_PATTERN}, LINE_NUMBER: {"ge": OBJECT_LINE}, PARTITION_COLUMN: IS_DAY},
    )
):
    """quarantine/sales: every row has a reason and its lineage."""


class DailySales(
    declared_columns(
        DAILY_SALES_TABLE,
        DAILY_SALES_CHECKED,
        # Every count (units, transactions, customers) is >= 0, and a row has at least one transaction.
        {PARTITION_COLUMN: IS_DAY, **{name: {"ge": 0} for name in DAILY_SALES_COUNTS}, "transactions": {"ge": 1}},
    )
):
    """final/daily_sales: one row per key, units >= 0, net = gross - returns."""

    @pa.check("gross_revenue", "returns_amount", "net_revenue", name="money_is_decimal")
    def money_is_decimal(cls, series: pd.Series) -> pd.Series:
        return _is_decimal(series)

    @pa.dataframe_check(name="net_is_gross_less_returns")
    def net_is_gross_less_returns(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["net_revenue"] == frame["gross_revenue"] - frame["returns_amount"]

    @pa.dataframe_check(name="one_row_per_day_store_product")
    def unique_key(cls, frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(subset=list(DAILY_SALES_TABLE.key), keep=False)
