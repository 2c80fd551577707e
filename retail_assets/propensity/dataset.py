"""Training and held-out rows of one split, built by the same feature code at every cutoff."""

from dataclasses import dataclass
from datetime import date

import pandas as pd

from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.labels import LABEL, Split, labelled


@dataclass(frozen=True)
class Dataset:
    """Feature rows with their label, and the cutoff each row was featured at."""

    rows: pd.DataFrame  # columns: customer_id, cutoff, *FEATURES, LABEL

    @property
    def features(self) -> pd.DataFrame:
        """The feature matrix, in FEATURES order."""
        return self.rows[FEATURES]

    @property
    def label(self) -> pd.Series:
        """The 0/1 label."""
        return self.rows[LABEL]


@dataclass(frozen=True)
class SplitData:
    """The split and its two datasets."""

    split: Split
    training: Dataset
    holdout: Dataset


def rows_at(sales: pd.DataFrame, cutoff: date, horizon_days: int, timezone: str) -> pd.DataFrame:
    """The labelled rows of one cutoff."""
    features, label = labelled(sales, cutoff, horizon_days, timezone)
    rows = features.table.assign(**{LABEL: label}).reset_index()
    return rows.assign(cutoff=cutoff.isoformat())[["customer_id", "cutoff", *FEATURES, LABEL]]


def split_data(sales: pd.DataFrame, split: Split, timezone: str) -> SplitData:
    """Training rows from every training cutoff, held-out rows from the evaluation cutoff."""
    training = pd.concat(
        [rows_at(sales, cutoff, split.horizon_days, timezone) for cutoff in split.training_cutoffs], ignore_index=True
    )
    holdout = rows_at(sales, split.evaluation_cutoff, split.horizon_days, timezone)
    for name, rows in (("training", training), ("held-out", holdout)):
        if rows[LABEL].nunique() < 2:
            raise ValueError(f"the {name} rows of {split} hold one class only: no model can be trained or judged")
    return SplitData(split, Dataset(training), Dataset(holdout))
