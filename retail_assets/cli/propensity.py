"""`retail-assets propensity`: features, model, gate, accepted version and scores over what cleaned/sales holds."""

import argparse

import dagster as dg

from retail_assets.cli.run_range import use_dagster_home
from retail_assets.cli.summary import format_table
from retail_assets.settings import get_settings

SHOWN = ("version", "roc_auc", "baseline_roc_auc", "accepted_roc_auc", "training_rows", "training_seconds")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the propensity command."""
    subparsers.add_parser(
        "propensity",
        help="train the purchase propensity model on cleaned/sales, gate it, and score customers",
        description="Run the propensity_pipeline job as one run: customer features, the XGBoost model, its quality "
        "gate, the accepted version (SageMaker package and endpoint in aws mode) and retail.customer_propensity. "
        "The gate settings are RETAIL_PROPENSITY_MIN_LIFT and RETAIL_PROPENSITY_MAX_DROP.",
    ).set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Materialize the job and print the model's figures and the checks; exit 1 when a step failed."""
    use_dagster_home(get_settings())
    from retail_assets.propensity_definitions import defs  # after DAGSTER_HOME is set; loading starts nothing

    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("propensity_pipeline").execute_in_process(instance=instance, raise_on_error=False)
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        metadata = {key: value.value for key, value in materialization.metadata.items() if key in SHOWN}
        print(f"{materialization.asset_key.to_user_string()}: {metadata or 'materialized'}")
    checks = [
        [e.asset_key.to_user_string(), e.check_name, "passed" if e.passed else "FAILED", e.description or ""]
        for e in result.get_asset_check_evaluations()
    ]
    print("\n" + format_table(["asset", "check", "result", "detail"], checks))
    failed = [event.step_key for event in result.get_step_failure_events()]
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    print(f"\nRun {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    return 0 if result.success else 1
