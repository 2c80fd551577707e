"""Benchmark: purchase propensity on a landing-format sales CSV; prints the split, the metrics and training time.

.venv/bin/python benchmarks/propensity_metrics.py SALES.csv [--timezone America/New_York] [--horizon 30]
    [--training-cutoffs 4] [--step 30]

The lines go through the cleaning rules that matter to features (zero quantities and negative prices dropped),
then through the same feature, label, split, model and baseline code the assets run.
"""

import argparse
import time
from datetime import date

import pandas as pd


def cleaned_lines(path: str, timezone: str) -> pd.DataFrame:
    """The CSV's lines as cleaned/sales holds them (the columns the features read)."""
    lines = pd.read_csv(path, dtype={"transaction_id": str, "customer_id": str, "product_id": str})
    lines = lines[(lines["quantity"] != 0) & (lines["unit_price"] >= 0)]
    sold_at = pd.to_datetime(lines["sold_at"], utc=True, format="ISO8601")
    return lines.assign(
        sold_at=sold_at,
        business_date=sold_at.dt.tz_convert(timezone).dt.date.astype(str),
        line_amount=lines["quantity"] * lines["unit_price"] - lines["discount"].fillna(0),
        is_return=lines["quantity"] < 0,
    )


def main() -> int:
    """Split, train, judge and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv")
    parser.add_argument("--timezone", default="America/New_York")
    parser.add_argument("--horizon", type=int, default=30)
    parser.add_argument("--training-cutoffs", type=int, default=4)
    parser.add_argument("--step", type=int, default=30)
    args = parser.parse_args()

    from retail_assets.propensity.dataset import split_data
    from retail_assets.propensity.evaluation import evaluate
    from retail_assets.propensity.gate import gate_verdict
    from retail_assets.propensity.labels import time_split
    from retail_assets.propensity.model import train_booster
    from retail_assets.settings import get_propensity_settings

    lines = cleaned_lines(args.csv, args.timezone)
    split = time_split(date.fromisoformat(lines["business_date"].max()), args.horizon, args.training_cutoffs, args.step)
    started = time.perf_counter()
    data = split_data(lines, split, args.timezone)
    featured = time.perf_counter() - started
    started = time.perf_counter()
    model_file = train_booster(data.training.features, data.training.label)
    trained = time.perf_counter() - started
    evaluation = evaluate(data, model_file, None, trained)
    settings = get_propensity_settings()
    verdict = gate_verdict(evaluation.model.roc_auc, evaluation.baseline.roc_auc, None, settings.min_lift, 1)
    print(f"lines {len(lines)}, customers {lines['customer_id'].nunique()}, last day {lines['business_date'].max()}")
    print(f"training cutoffs {[str(c) for c in split.training_cutoffs]}, evaluation cutoff {split.evaluation_cutoff}")
    print(
        f"horizon {split.horizon_days} days; training rows {evaluation.training_rows}, held-out rows {evaluation.model.rows}"
    )
    print(f"features {featured:.2f} s, training {trained:.2f} s")
    for name, metrics in (("model", evaluation.model), ("baseline", evaluation.baseline)):
        print(
            f"{name:9} " + ", ".join(f"{key} {value:.4f}" for key, value in metrics.as_dict().items() if key != "rows")
        )
    print(
        f"gate (min lift {settings.min_lift}): {'passes' if verdict.passed else 'blocks: ' + '; '.join(verdict.reasons)}"
    )
    print("top features: " + ", ".join(evaluation.importances["feature"].head(5)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
