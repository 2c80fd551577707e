"""Answers to prediction requests: by customer id from the feature snapshot, or from features given outright."""

import math
from collections.abc import Mapping

import pandas as pd

from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.model_trainer import ModelTrainer
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.storage import PropensityStore


class PredictionError(ValueError):
    """A request the model cannot answer: unknown customers, missing or non-numeric features."""


class Predictor:
    """The accepted model (local file or SageMaker endpoint) behind the CLI and the HTTP service."""

    def __init__(self, lake: Lake, trainer: ModelTrainer):
        self.store, self.trainer = PropensityStore(lake), trainer

    def for_customers(self, customer_ids: list[str]) -> dict:
        """Scores of customers in the feature snapshot."""
        features = self.store.read_features()
        unknown = [customer for customer in customer_ids if customer not in features.index]
        if unknown:
            raise PredictionError(f"not in the feature snapshot: {', '.join(unknown[:10])}")
        return self._answer(features.loc[customer_ids, FEATURES], customer_ids)

    def for_features(self, rows: list[Mapping[str, object]]) -> dict:
        """Scores of feature rows given outright; every feature required, each a finite number."""
        parsed = []
        for number, row in enumerate(rows, start=1):
            missing = [name for name in FEATURES if name not in row]
            if missing:
                raise PredictionError(f"row {number} lacks {', '.join(missing)}")
            parsed.append({name: _number(row[name], number, name) for name in FEATURES})
        return self._answer(pd.DataFrame(parsed, columns=FEATURES), [None] * len(parsed))

    def _answer(self, features: pd.DataFrame, customer_ids: list[str | None]) -> dict:
        """The model's scores with the version that made them."""
        scores = self.trainer.predict(self.store, features)
        return {
            "model_version": self.store.accepted(),
            "predictions": [
                {"customer_id": customer, "score": round(float(score), 6)}
                for customer, score in zip(customer_ids, scores, strict=True)
            ],
        }


def _number(value: object, row: int, name: str) -> float:
    """A feature value as a finite float, else PredictionError naming the row and the feature."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PredictionError(f"row {row}: {name} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError as error:
        raise PredictionError(f"row {row}: {name} must be a number, got {value!r}") from error
    if not math.isfinite(number):
        raise PredictionError(f"row {row}: {name} must be finite, got {value!r}")
    return number
