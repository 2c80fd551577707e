"""The local model trainer: xgboost in this process, the accepted version read from the lake."""

import dagster as dg
import numpy as np
import pandas as pd

from retail_assets.defs.resources.model_trainer import ModelTrainer, TrainedModel
from retail_assets.propensity.model import predict, train_booster
from retail_assets.propensity.storage import PropensityStore


class LocalModelTrainer(ModelTrainer):
    """Trains with the xgboost package here; the lake's accepted pointer is what serves."""

    def train(self, context: dg.AssetExecutionContext, features: pd.DataFrame, label: pd.Series) -> TrainedModel:
        return TrainedModel(train_booster(features, label))

    def publish(self, context: dg.AssetExecutionContext, version: str, training: dict) -> dict[str, str]:
        return {"serving": "the accepted model file in the lake, loaded by predict and serve-model"}

    def predict(self, store: PropensityStore, features: pd.DataFrame) -> np.ndarray:
        return predict(store.model_file(store.accepted()), features)
