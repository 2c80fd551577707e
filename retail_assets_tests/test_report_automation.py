"""The reports and the dashboard are requested after the days they read are loaded, and only those partitions."""

import dagster as dg

from retail_assets.definitions import defs
from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.assets.cleaned import CLEANED_SALES
from retail_assets.defs.assets.dashboard import SALES_DASHBOARD
from retail_assets.defs.assets.final import FINAL_DAILY_SALES


def loaded(instance: dg.DagsterInstance, key: dg.AssetKey, *days: str) -> None:
    """Record materializations of days of an asset, as a run of the pipeline would."""
    for day in days:
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=day))


def requested(result) -> dict[str, set[str | None]]:
    """Partitions requested per asset by one evaluation (None: an unpartitioned asset)."""
    keys = {evaluation.key for evaluation in result.results}
    return {
        key.to_user_string(): set(result.get_requested_partitions(key)) for key in keys if result.get_num_requested(key)
    }


def test_new_days_request_their_reports_and_the_dashboard():
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert requested(first) == {}

        loaded(instance, CLEANED_SALES, "2024-02-29", "2024-03-05")
        loaded(instance, FINAL_DAILY_SALES, "2024-02-29", "2024-03-05")
        second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        # Every report takes the loaded days; a monthly one rewrites the months they fall in.
        days = {"2024-02-29", "2024-03-05"}
        assert requested(second) == {
            "final/sales_by_day": days,
            "final/brand_sales_monthly": days,
            "final/category_sales_monthly": days,
            "final/store_sales_monthly": days,
            "final/top_products_monthly": days,
        }

        loaded(instance, AURORA_DAILY_SALES, "2024-03-05")
        third = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=second.cursor)
        assert requested(third) == {SALES_DASHBOARD.to_user_string(): {None}}
