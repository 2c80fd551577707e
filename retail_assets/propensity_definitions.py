"""The purchase-propensity code location: features, model, gate and scores, beside the sales location.

Its own location, because the model trains on the whole history and its gate may refuse a candidate: neither may
decide whether a range of sales days loads. `dagster asset materialize -m retail_assets.definitions --select '*'`
over a range of days therefore means the sales lakehouse; cleaned/sales is this location's upstream, shown across
locations in the UI (workspace.yaml loads both).
"""

import dagster as dg

from retail_assets.defs.assets.customer_propensity import aurora_customer_propensity
from retail_assets.defs.assets.propensity import (
    accepted_propensity_model,
    customer_features_snapshot,
    purchase_propensity_model,
)
from retail_assets.defs.automation.jobs import propensity_pipeline
from retail_assets.defs.checks.propensity_checks import customer_propensity_reconciles, propensity_model_passes_gate
from retail_assets.defs.resources.environments import resources_for
from retail_assets.settings import get_settings

defs = dg.Definitions(
    assets=[customer_features_snapshot, purchase_propensity_model, accepted_propensity_model, aurora_customer_propensity],
    asset_checks=[propensity_model_passes_gate, customer_propensity_reconciles],
    jobs=[propensity_pipeline],
    resources=resources_for(get_settings()),
    executor=dg.in_process_executor,
)
