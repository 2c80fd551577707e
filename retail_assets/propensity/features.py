"""Customer features as of a cutoff day, from cleaned/sales lines strictly before it."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

WINDOWS = (30, 90, 365)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Hours of the business day in four parts, so the mix stays a handful of columns.
DAY_PARTS = {"night": range(6), "morning": range(6, 12), "afternoon": range(12, 18), "evening": range(18, 24)}
# The cleaned/sales columns the features read.
SALES_COLUMNS = [
    "business_date", "sold_at", "transaction_id", "customer_id", "product_id", "category",
    "quantity", "line_amount", "is_return",
]  # fmt: skip
FEATURES = [
    "recency_days",
    *(f"frequency_{window}d" for window in WINDOWS),
    *(f"monetary_{window}d" for window in WINDOWS),
    "returns_share_365d",
    "basket_size_365d",
    "distinct_products_365d",
    "distinct_categories_365d",
    "days_since_first_purchase",
    *(f"weekday_share_{day}" for day in WEEKDAYS),
    *(f"hour_share_{part}" for part in DAY_PARTS),
]


@dataclass(frozen=True)
class FeatureSet:
    """One row of FEATURES per customer (index customer_id, sorted) and what was read to get them."""

    cutoff: date
    table: pd.DataFrame
    rows_read: int
    rows_without_customer: int


def history_before(sales: pd.DataFrame, cutoff: date) -> pd.DataFrame:
    """The lines of business days strictly before cutoff: the only rows any feature may read."""
    return sales[pd.to_datetime(sales["business_date"]).dt.date < cutoff]


def with_customer(sales: pd.DataFrame) -> pd.Series:
    """True for lines that carry a customer id (anonymous baskets are out of scope)."""
    return sales["customer_id"].fillna("").astype(str).str.strip() != ""


def customer_features(sales: pd.DataFrame, cutoff: date, timezone: str) -> FeatureSet:
    """Features of every customer with a purchase before cutoff; sold_at is read in the business timezone."""
    history = history_before(sales, cutoff)
    known = with_customer(history)
    lines = _prepared(history[known], cutoff, timezone)
    purchases = _purchases(lines)
    table = pd.DataFrame(index=pd.Index(sorted(purchases["customer_id"].unique()), name="customer_id"))
    by_customer = purchases.groupby("customer_id")
    table["recency_days"] = by_customer["days_ago"].min()
    table["days_since_first_purchase"] = by_customer["days_ago"].max()
    for window in WINDOWS:
        recent_lines = lines[lines["days_ago"] <= window].groupby("customer_id")
        table[f"frequency_{window}d"] = purchases[purchases["days_ago"] <= window].groupby("customer_id").size()
        table[f"monetary_{window}d"] = recent_lines["amount"].sum()
    year, year_purchases = lines[lines["days_ago"] <= 365], purchases[purchases["days_ago"] <= 365]
    sold = year[~year["is_return"]].groupby("customer_id")
    returned = -year[year["is_return"]].groupby("customer_id")["amount"].sum()
    table["returns_share_365d"] = (returned / sold["amount"].sum()).replace([np.inf, -np.inf], np.nan)
    table["basket_size_365d"] = year_purchases.groupby("customer_id")["units"].mean()
    table["distinct_products_365d"] = sold["product_id"].nunique()
    table["distinct_categories_365d"] = sold["category"].nunique()
    for number, day in enumerate(WEEKDAYS):
        table[f"weekday_share_{day}"] = _share(year_purchases, year_purchases["weekday"] == number)
    for part, hours in DAY_PARTS.items():
        table[f"hour_share_{part}"] = _share(year_purchases, year_purchases["hour"].isin(hours))
    table = table[FEATURES].fillna(0.0).astype("float64")
    return FeatureSet(cutoff, table, rows_read=len(history), rows_without_customer=int((~known).sum()))


def _prepared(lines: pd.DataFrame, cutoff: date, timezone: str) -> pd.DataFrame:
    """The lines with the columns the features use: days before cutoff, amount as a number, local hour."""
    local = pd.to_datetime(lines["sold_at"], utc=True).dt.tz_convert(timezone)
    return pd.DataFrame(
        {
            "customer_id": lines["customer_id"].astype(str).str.strip(),
            "transaction_id": lines["transaction_id"].astype(str),
            "product_id": lines["product_id"].astype(str),
            "category": lines["category"],
            "days_ago": (pd.Timestamp(cutoff) - pd.to_datetime(lines["business_date"])).dt.days,
            # Features are model inputs, not money: a float is exact enough, and xgboost takes nothing else.
            "amount": lines["line_amount"].astype("float64"),
            "units": lines["quantity"].clip(lower=0),
            "is_return": lines["is_return"].astype(bool),
            "weekday": local.dt.weekday,
            "hour": local.dt.hour,
        }
    )


def _purchases(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per purchase (a transaction with at least one sold line): its customer, day, units and time."""
    sold = lines[~lines["is_return"]]
    return sold.groupby(["customer_id", "transaction_id"], as_index=False).agg(
        days_ago=("days_ago", "min"), units=("units", "sum"), weekday=("weekday", "first"), hour=("hour", "first")
    )


def _share(purchases: pd.DataFrame, selected: pd.Series) -> pd.Series:
    """Per customer, the share of their purchases that are selected."""
    return selected.groupby(purchases["customer_id"]).mean()
