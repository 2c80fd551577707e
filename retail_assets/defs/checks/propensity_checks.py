"""Checks on purchase propensity: the blocking quality gate, and the scores table against the model."""

import dagster as dg
import numpy as np
import pandas as pd

from retail_assets.defs.assets.customer_propensity import AURORA_CUSTOMER_PROPENSITY
from retail_assets.defs.assets.propensity import ACCEPTED_MODEL, CUSTOMER_FEATURES, PROPENSITY_MODEL
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.propensity import PropensitySettings
from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.gate import verdict_on_record
from retail_assets.propensity.model import predict
from retail_assets.propensity.storage import CANDIDATE, PropensityStore
from retail_assets.warehouse.propensity_scores import stored_scores

# Scores travel as float64 through CSV: a round trip may move the last digit.
SCORE_TOLERANCE = 1e-9


@dg.asset_check(
    asset=PROPENSITY_MODEL,
    blocking=True,
    description="Held-out ROC AUC beats the recency-frequency baseline by the margin, and is within the allowed "
    "drop of the accepted model's on the same rows; a failing candidate is never accepted.",
)
def propensity_model_passes_gate(lake: Lake, propensity: PropensitySettings) -> dg.AssetCheckResult:
    """The gate on the candidate's training record, with RETAIL_PROPENSITY_MIN_LIFT and _MAX_DROP."""
    store, settings = PropensityStore(lake), propensity
    version = store.pointer(CANDIDATE)
    if version is None:
        return dg.AssetCheckResult(passed=False, description="no candidate model in the lake")
    training = store.training(version)
    verdict = verdict_on_record(training, settings.min_lift, settings.max_drop)
    accepted = training["accepted_metrics"]
    return dg.AssetCheckResult(
        passed=verdict.passed,
        description="; ".join(verdict.reasons) or None,
        metadata={
            "version": version,
            "roc_auc": training["metrics"]["roc_auc"],
            "baseline_roc_auc": training["baseline_metrics"]["roc_auc"],
            "accepted_version": training["accepted_version"] or "none",
            "accepted_roc_auc": accepted["roc_auc"] if accepted else "none",
            "min_lift": settings.min_lift,
            "max_drop": settings.max_drop,
        },
    )


@dg.asset_check(
    asset=AURORA_CUSTOMER_PROPENSITY,
    additional_deps=[CUSTOMER_FEATURES, ACCEPTED_MODEL],
    description="Every featured customer is scored once, by the accepted model, with its prediction and decile.",
)
def customer_propensity_reconciles(lake: Lake, warehouse: Warehouse) -> dg.AssetCheckResult:
    """retail.customer_propensity against the feature snapshot and the accepted model's predictions."""
    store = PropensityStore(lake)
    version, features = store.accepted(), store.read_features()
    stored = pd.DataFrame(
        stored_scores(warehouse.connection()), columns=["customer_id", "score", "decile", "model_version"]
    )
    stored = stored.set_index("customer_id")
    expected = pd.Series(predict(store.model_file(version), features[FEATURES]), index=features.index)
    missing = sorted(set(expected.index) - set(stored.index))
    unexpected = sorted(set(stored.index) - set(expected.index))
    common = expected.index.intersection(stored.index)
    off = common[~np.isclose(stored.loc[common, "score"], expected[common], rtol=0, atol=SCORE_TOLERANCE)]
    other_versions = sorted(set(stored["model_version"]) - {version})
    problems = [
        f"{len(missing)} featured customers unscored" * bool(missing),
        f"{len(unexpected)} scored customers not featured" * bool(unexpected),
        f"{len(off)} scores differ from the model's" * bool(len(off)),
        f"rows of other versions {other_versions}" * bool(other_versions),
    ]
    problems = [problem for problem in problems if problem]
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(problems) or None,
        metadata={
            "featured_customers": len(expected),
            "scored_rows": len(stored),
            "model_version": version,
            "missing": dg.MetadataValue.json(missing[:20]),
            "unexpected": dg.MetadataValue.json(unexpected[:20]),
            "scores_off": dg.MetadataValue.json(list(map(str, off[:20]))),
        },
    )
