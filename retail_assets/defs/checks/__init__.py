"""Asset checks on every layer, one result per day of the run; the blocking ones stop the layers below."""

from retail_assets.defs.checks.aurora_checks import aurora_daily_sales_model, aurora_reconciles_with_final
from retail_assets.defs.checks.cleaned_checks import (
    cleaned_sales_model,
    quarantine_rate,
    quarantine_sales_model,
    rows_conserved,
)
from retail_assets.defs.checks.final_checks import (
    daily_sales_model,
    final_reconciles_with_cleaned,
)
from retail_assets.defs.checks.raw_checks import (
    landed_rows_usual,
    landing_day_has_objects,
    landing_schema_matches_contract,
    landing_values_parse,
    raw_matches_landing,
)

ALL_CHECKS = [
    landing_day_has_objects,
    landed_rows_usual,
    landing_values_parse,
    raw_matches_landing,
    landing_schema_matches_contract,
    cleaned_sales_model,
    rows_conserved,
    quarantine_rate,
    quarantine_sales_model,
    daily_sales_model,
    final_reconciles_with_cleaned,
    aurora_reconciles_with_final,
    aurora_daily_sales_model,
]
