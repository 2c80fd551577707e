"""The XGBoost model: deterministic, better than the recency-frequency baseline on a planted signal, gated on noise."""

from datetime import date
from functools import cache

import pytest

from retail_assets.propensity.dataset import SplitData, split_data
from retail_assets.propensity.evaluation import Evaluation, evaluate
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.gate import gate_verdict
from retail_assets.propensity.labels import time_split
from retail_assets.propensity.model import file_hash, train_booster
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.shopper_history import shopper_history

MIN_LIFT, MAX_DROP = 0.02, 0.02


@cache
def generated(shuffled: bool) -> SplitData:
    """The split of 400 generated shoppers over 240 days (4 training cutoffs 30 days apart, 30-day label)."""
    sales = shopper_history(customers=400, days=240, seed=7, shuffled=shuffled)
    split = time_split(date.fromisoformat(sales["business_date"].max()), 30, 4, 30)
    return split_data(sales, split, BUSINESS_TIMEZONE)


def trained(data: SplitData, accepted: bytes | None = None) -> Evaluation:
    """A candidate trained in-process on the split's training rows, evaluated on its held-out rows."""
    return evaluate(data, train_booster(data.training.features, data.training.label), accepted, 0.0)


def test_training_twice_gives_the_same_file_and_metrics():
    data = generated(False)
    first, second = trained(data), trained(data)
    assert file_hash(first.model_file) == file_hash(second.model_file)
    assert first.model == second.model and first.baseline == second.baseline
    assert list(first.importances["feature"].sort_values()) == sorted(FEATURES)


def test_planted_signal_beats_the_baseline_and_passes_the_gate():
    evaluation = trained(generated(False))
    assert evaluation.model.roc_auc > evaluation.baseline.roc_auc + MIN_LIFT
    assert evaluation.model.precision_at_top_10pct >= evaluation.model.base_rate
    # The evening regulars are what the baseline cannot see: the hour mix carries gain.
    gains = dict(zip(evaluation.importances["feature"], evaluation.importances["gain"], strict=True))
    assert gains["hour_share_evening"] + gains["hour_share_afternoon"] > 0
    verdict = gate_verdict(evaluation.model.roc_auc, evaluation.baseline.roc_auc, None, MIN_LIFT, MAX_DROP)
    assert verdict.passed and verdict.reasons == ()
    assert evaluation.training_rows == len(generated(False).training.rows) > 1000


def test_shuffled_labels_fail_the_gate_against_baseline_and_accepted_model():
    accepted = trained(generated(False)).model_file
    evaluation = trained(generated(True), accepted)
    assert evaluation.model.roc_auc == pytest.approx(0.5, abs=0.06)
    verdict = gate_verdict(
        evaluation.model.roc_auc, evaluation.baseline.roc_auc, evaluation.accepted.roc_auc, MIN_LIFT, MAX_DROP
    )
    assert not verdict.passed
    assert "does not beat the baseline" in verdict.reasons[0]


def test_the_gate_rules_one_by_one():
    assert gate_verdict(0.80, 0.70, 0.81, 0.05, 0.02).passed
    assert gate_verdict(0.74, 0.70, None, 0.05, 0.02).reasons == (
        "ROC AUC 0.7400 does not beat the baseline's 0.7000 by 0.05",
    )
    assert gate_verdict(0.80, 0.70, 0.83, 0.05, 0.02).reasons == (
        "ROC AUC 0.8000 is more than 0.02 below the accepted model's 0.8300",
    )
