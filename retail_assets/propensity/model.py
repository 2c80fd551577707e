"""The XGBoost booster: deterministic training, its file, its scores and its held-out metrics."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xgboost as xgb

# xgboost and scikit-learn are imported where they are used: together they take about 1 s to import, which every
# process that loads the definitions (each run, each `dagster` command) would pay, and only training and scoring
# need them.

# One thread and fixed seeds: the same rows give the same trees, byte for byte.
PARAMS = {
    "objective": "binary:logistic",
    "eval_metric": "logloss",
    "tree_method": "hist",
    "max_depth": 3,
    "eta": 0.05,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "min_child_weight": 1,
    "seed": 15,
    "nthread": 1,
}
ROUNDS = 200
TOP_SHARE = 0.10


def train_booster(features: pd.DataFrame, label: pd.Series, params: dict = PARAMS, rounds: int = ROUNDS) -> bytes:
    """Train on the rows and return the model file (XGBoost's JSON format)."""
    import xgboost as xgb

    matrix = xgb.DMatrix(features.to_numpy(), label=label.to_numpy(), feature_names=list(features.columns))
    booster = xgb.train(params, matrix, num_boost_round=rounds)
    return bytes(booster.save_raw("json"))


def load_booster(model_file: bytes) -> xgb.Booster:
    """A booster from its file (JSON, UBJSON or the legacy binary SageMaker's 1.x containers write)."""
    import xgboost as xgb

    booster = xgb.Booster(params={"nthread": 1})
    booster.load_model(bytearray(model_file))
    return booster


def predict(model_file: bytes, features: pd.DataFrame) -> np.ndarray:
    """Purchase probabilities of the feature rows."""
    import xgboost as xgb

    booster = load_booster(model_file)
    # Models trained from a CSV (SageMaker's built-in algorithm) carry no feature names: match by position.
    names = list(features.columns) if booster.feature_names else None
    return booster.predict(xgb.DMatrix(features.to_numpy(), feature_names=names))


def file_hash(model_file: bytes) -> str:
    """SHA-256 of the model file."""
    return hashlib.sha256(model_file).hexdigest()


def importances(model_file: bytes, feature_names: list[str]) -> pd.DataFrame:
    """Gain and split count per feature, largest gain first (features never split on get zeros)."""
    booster = load_booster(model_file)
    gain, weight = booster.get_score(importance_type="gain"), booster.get_score(importance_type="weight")

    def score(scores: dict, index: int, name: str) -> float:
        # Boosters trained from a CSV name their features by position: f0, f1, ...
        return scores.get(name, scores.get(f"f{index}", 0.0))

    table = pd.DataFrame(
        {
            "feature": feature_names,
            "gain": [score(gain, index, name) for index, name in enumerate(feature_names)],
            "splits": [int(score(weight, index, name)) for index, name in enumerate(feature_names)],
        }
    )
    return table.sort_values(["gain", "feature"], ascending=[False, True], ignore_index=True)


@dataclass(frozen=True)
class Metrics:
    """Held-out quality of a set of scores."""

    roc_auc: float
    pr_auc: float
    log_loss: float
    precision_at_top_10pct: float
    base_rate: float
    rows: int

    def as_dict(self) -> dict[str, float]:
        """The metrics, rounded for metadata and JSON."""
        return {name: round(value, 6) for name, value in self.__dict__.items()}


def metrics(label: pd.Series, scores: np.ndarray, customer_ids: pd.Series) -> Metrics:
    """ROC AUC, PR AUC, log loss, precision among the top 10% by score (ties by customer id) and base rate."""
    from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

    truth = label.to_numpy()
    top = max(1, math.ceil(TOP_SHARE * len(truth)))
    order = pd.DataFrame({"score": scores, "customer_id": customer_ids.to_numpy(), "label": truth}).sort_values(
        ["score", "customer_id"], ascending=[False, True], kind="stable"
    )
    return Metrics(
        roc_auc=float(roc_auc_score(truth, scores)),
        pr_auc=float(average_precision_score(truth, scores)),
        log_loss=float(log_loss(truth, np.clip(scores, 1e-7, 1 - 1e-7), labels=[0, 1])),
        precision_at_top_10pct=float(order["label"].head(top).mean()),
        base_rate=float(truth.mean()),
        rows=len(truth),
    )
