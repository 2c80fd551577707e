"""The model trainer role: trains the propensity booster, serves the accepted one, answers predictions."""

from abc import abstractmethod
from dataclasses import dataclass

import dagster as dg
import numpy as np
import pandas as pd

from retail_assets.propensity.storage import PropensityStore


@dataclass(frozen=True)
class TrainedModel:
    """A model file and, on SageMaker, the training job and the artifact the serving container loads."""

    model_file: bytes
    job: str | None = None
    artifact: str | None = None


class ModelTrainer(dg.ConfigurableResource):
    """Trains on feature rows, publishes a version that passed the gate, and scores feature rows with it."""

    @abstractmethod
    def train(self, context: dg.AssetExecutionContext, features: pd.DataFrame, label: pd.Series) -> TrainedModel:
        """Train a booster on the rows (features in FEATURES order) and their 0/1 label."""

    @abstractmethod
    def publish(self, context: dg.AssetExecutionContext, version: str, training: dict) -> dict[str, str]:
        """Make an accepted version the one that answers predictions; return what now serves it."""

    @abstractmethod
    def predict(self, store: PropensityStore, features: pd.DataFrame) -> np.ndarray:
        """Purchase probabilities of feature rows from the model that answers predictions."""
