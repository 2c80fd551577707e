"""Pandera models of DESIGN.md's tables: the landing contract as raw keeps it, cleaned, quarantine, daily_sales."""

from decimal import Decimal
from typing import Annotated

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    DECIMAL_PATTERN,
    INTEGER_PATTERN,
    TIMESTAMP_PATTERN,
)
from retail_assets.settings import get_settings

UtcTimestamp = Annotated[pd.DatetimeTZDtype, "ns", "UTC"]


def _present(series: pd.Series) -> pd.Series:
    """Not null and not only spaces."""
    return series.notna() & (series.astype("string").str.strip() != "")


def _matches_or_empty(series: pd.Series, pattern: str) -> pd.Series:
    """Empty, or trimmed text matching pattern (emptiness is the required-column rule's business)."""
    text = series.astype("string").str.strip()
    return (~_present(series) | text.str.match(pattern)).fillna(True).astype(bool)


def _is_decimal(series: pd.Series) -> pd.Series:
    """Each value is an exact Decimal: money never passes through binary floating point."""
    return series.map(lambda value: isinstance(value, Decimal)).astype(bool)


class LandingValues(pa.DataFrameModel):
    """raw/sales as landed text: required values present, typed values parse as their type."""

    transaction_id: Series[str] = pa.Field(nullable=True)
    sold_at: Series[str] = pa.Field(nullable=True)
    store_id: Series[str] = pa.Field(nullable=True)
    product_id: Series[str] = pa.Field(nullable=True)
    quantity: Series[str] = pa.Field(nullable=True)
    unit_price: Series[str] = pa.Field(nullable=True)
    discount: Series[str] = pa.Field(nullable=True)

    @pa.check("transaction_id", "sold_at", "store_id", "product_id", "quantity", "unit_price", name="required_present")
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


class CleanedSales(pa.DataFrameModel):
    """cleaned/sales: keys present, quantity != 0, unit_price >= 0, sold on its business day, no duplicates."""

    transaction_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    sold_at: Series[UtcTimestamp] = pa.Field(nullable=False)
    store_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    product_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1})
    product_name: Series[str] = pa.Field(nullable=True)
    category: Series[str] = pa.Field(nullable=True)
    brand: Series[str] = pa.Field(nullable=True)
    quantity: Series[int] = pa.Field(ne=0)
    unit_price: Series[object] = pa.Field(nullable=False)
    discount: Series[object] = pa.Field(nullable=False)
    customer_id: Series[str] = pa.Field(nullable=True)
    line_amount: Series[object] = pa.Field(nullable=False)
    is_return: Series[bool]
    business_date: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$")

    @pa.check("unit_price", "discount", "line_amount", name="money_is_decimal")
    def money_is_decimal(cls, series: pd.Series) -> pd.Series:
        return _is_decimal(series)

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
        local_day = frame["sold_at"].dt.tz_convert(get_settings().timezone).dt.tz_localize(None).dt.floor("D")
        return local_day == pd.to_datetime(frame["business_date"], format="%Y-%m-%d")

    @pa.dataframe_check(name="no_duplicate_lines")
    def no_duplicates(cls, frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(subset=[*CONTRACT_COLUMN_NAMES, "business_date"], keep="first")


class QuarantineSales(pa.DataFrameModel):
    """quarantine/sales: every row has a reason and its lineage."""

    reason: Series[str] = pa.Field(nullable=False, str_matches=r"^[a-z_]+$")
    _source_object: Series[str] = pa.Field(nullable=False, alias="_source_object")
    _line_number: Series[int] = pa.Field(nullable=False, ge=1, alias="_line_number")
    business_date: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$")


class DailySales(pa.DataFrameModel):
    """final/daily_sales: one row per key, units >= 0, net = gross - returns."""

    business_date: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$")
    store_id: Series[str] = pa.Field(nullable=False)
    product_id: Series[str] = pa.Field(nullable=False)
    units_sold: Series[int] = pa.Field(ge=0)
    units_returned: Series[int] = pa.Field(ge=0)
    gross_revenue: Series[object] = pa.Field(nullable=False)
    returns_amount: Series[object] = pa.Field(nullable=False)
    net_revenue: Series[object] = pa.Field(nullable=False)
    transactions: Series[int] = pa.Field(ge=1)
    customers: Series[int] = pa.Field(ge=0)

    @pa.check("gross_revenue", "returns_amount", "net_revenue", name="money_is_decimal")
    def money_is_decimal(cls, series: pd.Series) -> pd.Series:
        return _is_decimal(series)

    @pa.dataframe_check(name="net_is_gross_less_returns")
    def net_is_gross_less_returns(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["net_revenue"] == frame["gross_revenue"] - frame["returns_amount"]

    @pa.dataframe_check(name="one_row_per_day_store_product")
    def unique_key(cls, frame: pd.DataFrame) -> pd.Series:
        return ~frame.duplicated(subset=["business_date", "store_id", "product_id"], keep=False)
