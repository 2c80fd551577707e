"""The quality gate a candidate model passes before it may score customers."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """Whether the candidate passed, and each rule it broke."""

    passed: bool
    reasons: tuple[str, ...]


def gate_verdict(
    model_auc: float, baseline_auc: float, accepted_auc: float | None, min_lift: float, max_drop: float
) -> Verdict:
    """Beat the baseline by min_lift, and fall at most max_drop below the accepted model (same held-out rows)."""
    reasons = []
    if model_auc < baseline_auc + min_lift:
        reasons.append(f"ROC AUC {model_auc:.4f} does not beat the baseline's {baseline_auc:.4f} by {min_lift}")
    if accepted_auc is not None and model_auc < accepted_auc - max_drop:
        reasons.append(f"ROC AUC {model_auc:.4f} is more than {max_drop} below the accepted model's {accepted_auc:.4f}")
    return Verdict(not reasons, tuple(reasons))


def verdict_on_record(training: dict, min_lift: float, max_drop: float) -> Verdict:
    """The verdict on a version's training record (its metrics, the baseline's and the accepted model's)."""
    accepted = training["accepted_metrics"]
    return gate_verdict(
        training["metrics"]["roc_auc"],
        training["baseline_metrics"]["roc_auc"],
        accepted["roc_auc"] if accepted else None,
        min_lift,
        max_drop,
    )
