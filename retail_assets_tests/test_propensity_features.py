"""Customer features on a hand-made history, value by value, and proof that no feature reads past its cutoff."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES
from retail_assets.cli.main import main
from retail_assets.propensity.dataset import split_data
from retail_assets.propensity.features import FEATURES, customer_features
from retail_assets.propensity.labels import LABEL, buyers_between, time_split
from retail_assets.store_files.shoppers import shopper_lines
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.shopper_history import shopper_history

CUTOFF = date(2024, 3, 31)
ZONE = ZoneInfo(BUSINESS_TIMEZONE)


def line(day: str, hour: int, transaction: str, product: str, category: str, quantity: int, price: str, customer):
    """One cleaned/sales line sold at hour (business time) of day."""
    local = datetime.fromisoformat(day).replace(hour=hour, tzinfo=ZONE)
    return {
        "business_date": day, "sold_at": local.astimezone(ZoneInfo("UTC")), "transaction_id": transaction,
        "customer_id": customer, "product_id": product, "category": category, "quantity": quantity,
        "line_amount": quantity * Decimal(price), "is_return": quantity < 0,
    }  # fmt: skip


HISTORY = pd.DataFrame(
    [
        line("2024-03-30", 10, "t1", "p1", "GROCERY", 2, "5.00", "a"),  # 1 day before the cutoff, a Saturday
        line("2024-03-30", 10, "t1", "p2", "DAIRY", 1, "3.00", "a"),
        line("2024-03-20", 15, "t4", "p1", "GROCERY", -1, "5.00", "a"),  # a return only: no purchase
        line("2024-02-15", 19, "t2", "p3", "GROCERY", 1, "20.00", "a"),  # 45 days, a Thursday evening
        line("2023-06-01", 13, "t3", "p1", "GROCERY", 4, "2.50", "a"),  # 304 days, a Thursday afternoon
        line("2022-12-01", 9, "t5", "p9", "BAKERY", 1, "7.00", "a"),  # 486 days: outside every window
        line("2024-03-31", 11, "t6", "p1", "GROCERY", 9, "9.00", "a"),  # the cutoff day itself: not read
        line("2024-01-10", 8, "t7", "p2", "DAIRY", 3, "1.00", "b"),  # 81 days, a Wednesday morning
        line("2024-03-30", 12, "t8", "p2", "DAIRY", 1, "1.00", None),  # anonymous baskets are out of scope
        line("2024-03-29", 12, "t9", "p2", "DAIRY", 1, "1.00", " "),
        line("2024-04-02", 12, "t10", "p2", "DAIRY", 1, "1.00", "c"),  # after the cutoff only: not featured
    ]
)


def test_features_of_a_hand_made_history_value_by_value():
    features = customer_features(HISTORY, CUTOFF, BUSINESS_TIMEZONE)
    assert list(features.table.index) == ["a", "b"]
    assert list(features.table.columns) == FEATURES
    assert (features.rows_read, features.rows_without_customer) == (9, 2)
    a = features.table.loc["a"]
    expected_a = {
        "recency_days": 1, "frequency_30d": 1, "frequency_90d": 2, "frequency_365d": 3,
        "monetary_30d": 13 - 5, "monetary_90d": 13 - 5 + 20, "monetary_365d": 13 - 5 + 20 + 10,
        "returns_share_365d": 5 / 43, "basket_size_365d": (3 + 1 + 4) / 3,
        "distinct_products_365d": 3, "distinct_categories_365d": 2, "days_since_first_purchase": 486,
        "weekday_share_thu": 2 / 3, "weekday_share_sat": 1 / 3, "weekday_share_mon": 0,
        "hour_share_morning": 1 / 3, "hour_share_afternoon": 1 / 3, "hour_share_evening": 1 / 3,
        "hour_share_night": 0,
    }  # fmt: skip
    assert {name: a[name] for name in expected_a} == pytest.approx(expected_a)
    b = features.table.loc["b"]
    expected_b = {
        "recency_days": 81, "frequency_30d": 0, "frequency_90d": 1, "frequency_365d": 1, "monetary_30d": 0,
        "monetary_90d": 3, "monetary_365d": 3, "returns_share_365d": 0, "basket_size_365d": 3,
        "days_since_first_purchase": 81, "weekday_share_wed": 1, "hour_share_morning": 1,
    }  # fmt: skip
    assert {name: b[name] for name in expected_b} == pytest.approx(expected_b)


def test_label_is_a_purchase_within_the_horizon():
    assert buyers_between(HISTORY, CUTOFF, CUTOFF + timedelta(days=30)) == {"a", "c"}
    assert buyers_between(HISTORY, CUTOFF, CUTOFF + timedelta(days=1)) == {"a"}


def moved_after(sales: pd.DataFrame, cutoff: date) -> pd.DataFrame:
    """Every line on or after cutoff moved: other customers, other amounts, days shuffled, half of them gone."""
    later = pd.to_datetime(sales["business_date"]).dt.date >= cutoff
    moved = sales[later].sample(frac=0.5, random_state=3).copy()
    moved["customer_id"] = moved["customer_id"].sample(frac=1, random_state=4).to_numpy()
    moved["line_amount"] = moved["line_amount"] * 3
    moved["business_date"] = moved["business_date"].sample(frac=1, random_state=5).to_numpy()
    return pd.concat([sales[~later], moved], ignore_index=True)


def test_moving_every_row_after_the_cutoff_changes_no_feature():
    sales = shopper_history(customers=120, days=200, seed=11)
    cutoff = date(2024, 5, 1)
    moved = moved_after(sales, cutoff)
    before, after = (
        customer_features(sales, cutoff, BUSINESS_TIMEZONE),
        customer_features(moved, cutoff, BUSINESS_TIMEZONE),
    )
    pd.testing.assert_frame_equal(before.table, after.table)
    assert before.table.shape[0] > 50
    # The move did change what a later cutoff sees: the comparison above is not vacuous.
    later = cutoff + timedelta(days=40)
    assert not customer_features(sales, later, BUSINESS_TIMEZONE).table.equals(
        customer_features(moved, later, BUSINESS_TIMEZONE).table
    )


def test_training_rows_read_nothing_of_the_held_out_period():
    sales = shopper_history(customers=120, days=200, seed=11)
    split = time_split(date.fromisoformat(sales["business_date"].max()), 30, 3, 20)
    assert all(cutoff + timedelta(days=30) <= split.evaluation_cutoff for cutoff in split.training_cutoffs)
    original = split_data(sales, split, BUSINESS_TIMEZONE)
    moved = split_data(moved_after(sales, split.evaluation_cutoff), split, BUSINESS_TIMEZONE)
    pd.testing.assert_frame_equal(original.training.rows, moved.training.rows)
    assert not original.holdout.rows[LABEL].equals(moved.holdout.rows[LABEL])


def test_generate_shoppers_lands_one_contract_csv_per_day(tmp_path):
    assert main(["generate-shoppers", "--days", "3", "--start", "2024-03-09", "--landing-root", str(tmp_path),
                 "--timezone", BUSINESS_TIMEZONE]) == 0  # fmt: skip
    files = sorted(tmp_path.glob("sales/*/shoppers.csv"))
    assert [path.parent.name for path in files] == ["2024-03-09", "2024-03-10", "2024-03-11"]
    landed = pd.concat([pd.read_csv(path, dtype=str) for path in files])
    assert tuple(landed.columns) == CONTRACT_COLUMN_NAMES
    lines = shopper_lines(BUSINESS_TIMEZONE, 400, date(2024, 3, 9), 3, 7)
    assert len(landed) == len(lines)
    # sold_at carries its offset, and its local day is the folder's (2024-03-10 is New York's DST change).
    for path in files:
        days = {datetime.fromisoformat(value).date().isoformat() for value in pd.read_csv(path)["sold_at"]}
        assert days == {path.parent.name}
