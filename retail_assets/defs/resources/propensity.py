"""The propensity label, split and gate settings as a resource, so that assets and checks get them through fields."""

import dagster as dg


class PropensitySettings(dg.ConfigurableResource):
    """RETAIL_PROPENSITY_*: the label's horizon, the training cutoffs, and the quality gate's two margins."""

    horizon_days: int = 30
    training_cutoffs: int = 4
    step_days: int = 30
    min_lift: float = 0.02
    max_drop: float = 0.02
