"""aurora/customer_propensity: retail.customer_propensity, every featured customer scored by the accepted model."""

from datetime import UTC, datetime

import dagster as dg
import pyarrow.compute as pc

from retail_assets.defs.assets.propensity import ACCEPTED_MODEL, CUSTOMER_FEATURES
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.warehouse import Warehouse
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.model import predict
from retail_assets.propensity.scoring import score_table
from retail_assets.propensity.storage import PropensityStore
from retail_assets.warehouse.propensity_scores import TABLE, replace_scores

AURORA_CUSTOMER_PROPENSITY = dg.AssetKey(["aurora", "customer_propensity"])


@dg.asset(
    key=AURORA_CUSTOMER_PROPENSITY,
    deps=[CUSTOMER_FEATURES, ACCEPTED_MODEL],
    group_name="propensity",
    kinds={"postgres"},
    description="retail.customer_propensity: score and decile of every featured customer, replaced atomically.",
)
def aurora_customer_propensity(lake: Lake, warehouse: Warehouse) -> dg.MaterializeResult:
    """Score the feature snapshot with the accepted model file and replace the table in one transaction."""
    store = PropensityStore(lake)
    version, features = store.accepted(), store.read_features()
    # Batch scoring reads the accepted file here in both modes: the endpoint is for requests, one customer at a time.
    scores = predict(store.model_file(version), features[FEATURES])
    rows = score_table(features.index, scores, version, datetime.now(UTC))
    deleted, inserted = replace_scores(warehouse.connection(), rows)
    return dg.MaterializeResult(
        metadata={
            "table": TABLE,
            "model_version": version,
            "rows_written": inserted,
            "rows_replaced": deleted,
            "features_cutoff": str(features["cutoff"].iloc[0]) if len(features) else "none",
            "mean_score": round(float(pc.mean(rows["score"]).as_py() or 0), 6),
        }
    )
