"""The label (a purchase within the horizon after the cutoff) and the time-based split of cutoffs."""

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from retail_assets.propensity.features import FeatureSet, customer_features, with_customer

LABEL = "buys_again"


@dataclass(frozen=True)
class Split:
    """Training cutoffs, all of whose label windows end by the evaluation cutoff, and the evaluation cutoff."""

    training_cutoffs: tuple[date, ...]
    evaluation_cutoff: date
    horizon_days: int

    @property
    def training_window(self) -> tuple[date, date]:
        """The first and last day any training label reads (features read everything before their cutoff)."""
        return self.training_cutoffs[0], self.evaluation_cutoff - timedelta(days=1)


def buyers_between(sales: pd.DataFrame, start: date, end: date) -> set[str]:
    """Customers with a sold (not returned) line on a business day in [start, end)."""
    days = pd.to_datetime(sales["business_date"]).dt.date
    window = sales[(days >= start) & (days < end) & ~sales["is_return"].astype(bool) & with_customer(sales)]
    return set(window["customer_id"].astype(str).str.strip())


def labelled(sales: pd.DataFrame, cutoff: date, horizon_days: int, timezone: str) -> tuple[FeatureSet, pd.Series]:
    """Features as of cutoff and, per featured customer, 1 if they buy within horizon_days from cutoff on."""
    features = customer_features(sales, cutoff, timezone)
    buyers = buyers_between(sales, cutoff, cutoff + timedelta(days=horizon_days))
    label = pd.Series(features.table.index.isin(list(buyers)).astype("int64"), index=features.table.index, name=LABEL)
    return features, label


def time_split(last_day: date, horizon_days: int, training_cutoffs: int, step_days: int) -> Split:
    """The latest evaluation cutoff whose label window the data covers, and training cutoffs before it.

    A training cutoff c is at most evaluation_cutoff - horizon_days, so its labels never read a day the
    evaluation period's labels read: nothing of the held-out period leaks into training.
    """
    if horizon_days < 1 or training_cutoffs < 1 or step_days < 1:
        raise ValueError("horizon, number of training cutoffs and step must be at least 1")
    evaluation = last_day + timedelta(days=1) - timedelta(days=horizon_days)
    latest_training = evaluation - timedelta(days=horizon_days)
    cutoffs = tuple(latest_training - timedelta(days=step_days * k) for k in reversed(range(training_cutoffs)))
    return Split(cutoffs, evaluation, horizon_days)
