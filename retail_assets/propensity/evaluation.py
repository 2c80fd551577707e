"""Judge a candidate trained on a split, the baseline and the accepted model on the same held-out rows."""

from dataclasses import dataclass

import pandas as pd

from retail_assets.propensity.baseline import baseline_scores
from retail_assets.propensity.dataset import SplitData
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.labels import Split
from retail_assets.propensity.model import PARAMS, ROUNDS, Metrics, file_hash, importances, metrics, predict


@dataclass(frozen=True)
class Evaluation:
    """A trained candidate and how it, the baseline and the accepted model did on the held-out rows."""

    model_file: bytes
    model: Metrics
    baseline: Metrics
    accepted: Metrics | None
    importances: pd.DataFrame
    training_rows: int
    training_seconds: float

    @property
    def sha256(self) -> str:
        """The model file's hash."""
        return file_hash(self.model_file)


def evaluate(data: SplitData, model_file: bytes, accepted_model: bytes | None, seconds: float) -> Evaluation:
    """Score data.holdout with the candidate trained on data.training, the baseline and the accepted model."""
    holdout, customers = data.holdout, data.holdout.rows["customer_id"]
    baseline = baseline_scores(data.training.features, data.training.label, holdout.features)
    return Evaluation(
        model_file=model_file,
        model=metrics(holdout.label, predict(model_file, holdout.features), customers),
        baseline=metrics(holdout.label, baseline, customers),
        accepted=metrics(holdout.label, predict(accepted_model, holdout.features), customers)
        if accepted_model is not None
        else None,
        importances=importances(model_file, FEATURES),
        training_rows=len(data.training.rows),
        training_seconds=seconds,
    )


def training_record(
    split: Split, evaluation: Evaluation, accepted: str | None, job: str | None, artifact: str | None
) -> dict:
    """What the version folder keeps beside the model file: window, metrics and how it was trained."""
    return {
        "training_cutoffs": [cutoff.isoformat() for cutoff in split.training_cutoffs],
        "training_window": [day.isoformat() for day in split.training_window],
        "evaluation_cutoff": split.evaluation_cutoff.isoformat(),
        "horizon_days": split.horizon_days,
        "sha256": evaluation.sha256,
        "metrics": evaluation.model.as_dict(),
        "baseline_metrics": evaluation.baseline.as_dict(),
        "accepted_version": accepted,
        "accepted_metrics": evaluation.accepted.as_dict() if evaluation.accepted else None,
        "training_rows": evaluation.training_rows,
        "training_seconds": round(evaluation.training_seconds, 3),
        "params": PARAMS,
        "rounds": ROUNDS,
        "training_job": job,
        "artifact": artifact,
    }
