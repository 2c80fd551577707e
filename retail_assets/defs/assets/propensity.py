"""Purchase propensity: customer features, the XGBoost model and its accepted version, all from cleaned/sales."""

import time
from datetime import UTC, datetime, timedelta

import dagster as dg

from retail_assets.defs.assets.cleaned import CLEANED_SALES
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.model_trainer import ModelTrainer
from retail_assets.defs.resources.pipeline import PipelineSettings
from retail_assets.defs.resources.propensity import PropensitySettings
from retail_assets.propensity.dataset import split_data
from retail_assets.propensity.evaluation import evaluate, training_record
from retail_assets.propensity.features import FEATURES, customer_features
from retail_assets.propensity.gate import verdict_on_record
from retail_assets.propensity.history import read_history
from retail_assets.propensity.labels import time_split
from retail_assets.propensity.storage import (
    ACCEPTED,
    CANDIDATE,
    FEATURES_KEY,
    MODEL_PREFIX,
    PropensityStore,
    model_version,
)
from retail_assets.tables import CUSTOMER_FEATURES_TABLE

CUSTOMER_FEATURES = dg.AssetKey(["features", "customer_features"])
PROPENSITY_MODEL = dg.AssetKey(["models", "purchase_propensity"])
ACCEPTED_MODEL = dg.AssetKey(["models", "purchase_propensity_accepted"])


@dg.asset(
    key=CUSTOMER_FEATURES,
    deps=[CLEANED_SALES],
    group_name="propensity",
    kinds={"pandas", "parquet"},
    description="Per customer with an id: RFM over 30/90/365 days, returns, baskets, products, weekday and hour mix.",
)
def customer_features_snapshot(lake: Lake, pipeline: PipelineSettings) -> dg.MaterializeResult:
    """Features as of the day after the last cleaned day: what the scores are computed from."""
    sales, last_day = read_history(lake)
    features = customer_features(sales, last_day + timedelta(days=1), pipeline.business_timezone)
    PropensityStore(lake).write_features(features.table, features.cutoff)
    return dg.MaterializeResult(
        metadata={
            "cutoff": features.cutoff.isoformat(),
            "customers": len(features.table),
            "rows_read": features.rows_read,
            "rows_without_customer": features.rows_without_customer,
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(column.name, str(column.type), description=column.description)
                    for column in CUSTOMER_FEATURES_TABLE.columns
                ]
            ),
            "path": lake.uri(f"{lake.lake_base()}/{FEATURES_KEY}"),
        }
    )


@dg.asset(
    key=PROPENSITY_MODEL,
    deps=[CLEANED_SALES],
    group_name="propensity",
    kinds={"xgboost"},
    description="XGBoost model of a purchase within the horizon, trained on cutoffs before the held-out one.",
)
def purchase_propensity_model(
    context: dg.AssetExecutionContext,
    lake: Lake,
    model_trainer: ModelTrainer,
    pipeline: PipelineSettings,
    propensity: PropensitySettings,
) -> dg.MaterializeResult:
    """Train a candidate version, judge it with the baseline and the accepted model, and store it."""
    settings, store = propensity, PropensityStore(lake)
    sales, last_day = read_history(lake)
    split = time_split(last_day, settings.horizon_days, settings.training_cutoffs, settings.step_days)
    data = split_data(sales, split, pipeline.business_timezone)
    accepted = store.pointer(ACCEPTED)
    started = time.perf_counter()
    trained = model_trainer.train(context, data.training.features, data.training.label)
    seconds = time.perf_counter() - started
    evaluation = evaluate(data, trained.model_file, store.model_file(accepted) if accepted else None, seconds)
    version = model_version(split.evaluation_cutoff, evaluation.sha256)
    store.save_version(
        version,
        trained.model_file,
        FEATURES,
        training_record(split, evaluation, accepted, trained.job, trained.artifact),
    )
    store.point(CANDIDATE, version)
    context.log.info(
        f"candidate {version}: ROC AUC {evaluation.model.roc_auc:.4f}, baseline {evaluation.baseline.roc_auc:.4f}"
    )
    return dg.MaterializeResult(
        metadata={
            "version": version,
            **evaluation.model.as_dict(),
            "baseline_roc_auc": round(evaluation.baseline.roc_auc, 6),
            "accepted_version": accepted or "none",
            "accepted_roc_auc": round(evaluation.accepted.roc_auc, 6) if evaluation.accepted else "none",
            "feature_importances": dg.MetadataValue.table(
                records=[dg.TableRecord(row) for row in evaluation.importances.to_dict("records")],
                schema=dg.TableSchema(
                    columns=[
                        dg.TableColumn("feature", "string"),
                        dg.TableColumn("gain", "float"),
                        dg.TableColumn("splits", "int"),
                    ]
                ),
            ),
            "training_rows": evaluation.training_rows,
            "training_seconds": round(seconds, 3),
            "training_window": f"{split.training_window[0]}...{split.training_window[1]}",
            "evaluation_cutoff": split.evaluation_cutoff.isoformat(),
            "sha256": evaluation.sha256,
            "path": lake.uri(f"{lake.lake_base()}/{MODEL_PREFIX}/{version}/"),
            **({"training_job": trained.job} if trained.job else {}),
        }
    )


@dg.asset(
    key=ACCEPTED_MODEL,
    deps=[PROPENSITY_MODEL],
    group_name="propensity",
    kinds={"xgboost"},
    description="The version that scores customers: the candidate, once its blocking quality gate passed.",
)
def accepted_propensity_model(
    context: dg.AssetExecutionContext, lake: Lake, model_trainer: ModelTrainer, propensity: PropensitySettings
) -> dg.MaterializeResult:
    """Publish the candidate and point accepted at it, refusing one the gate failed whatever started the run."""
    store = PropensityStore(lake)
    version = store.pointer(CANDIDATE)
    if version is None:
        raise dg.Failure("no candidate propensity model: materialize models/purchase_propensity first")
    training = store.training(version)
    verdict = verdict_on_record(training, propensity.min_lift, propensity.max_drop)
    if not verdict.passed:
        raise dg.Failure(f"candidate {version} failed the quality gate: {'; '.join(verdict.reasons)}")
    previous = store.pointer(ACCEPTED)
    serving = model_trainer.publish(context, version, training)
    store.point(ACCEPTED, version, accepted_at=datetime.now(UTC).isoformat(), **serving)
    return dg.MaterializeResult(
        metadata={
            "version": version,
            "previous_version": previous or "none",
            "roc_auc": training["metrics"]["roc_auc"],
            **serving,
        }
    )
