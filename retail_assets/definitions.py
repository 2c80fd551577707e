"""The sales code location: assets, checks, resources, jobs, sensors and schedule, merged here, defined in defs/."""

import dagster as dg

from retail_assets.defs.assets.api_sales import api_sales_definitions
from retail_assets.defs.assets.aurora import aurora_daily_sales
from retail_assets.defs.assets.cleaned import cleaned_sales
from retail_assets.defs.assets.dashboard import sales_dashboard
from retail_assets.defs.assets.final import final_daily_sales
from retail_assets.defs.assets.landing import landing_sales
from retail_assets.defs.assets.raw import raw_sales
from retail_assets.defs.assets.reports import REPORT_ASSETS
from retail_assets.defs.automation.deadline_sensor import deadline_sensor
from retail_assets.defs.automation.failure_sensor import run_failure_alert_sensor
from retail_assets.defs.automation.heal_sensor import heal_sensor
from retail_assets.defs.automation.jobs import sales_pipeline
from retail_assets.defs.automation.landing_sensor import landing_sensor
from retail_assets.defs.automation.report_automation import report_automation_sensor
from retail_assets.defs.automation.report_jobs import REPORT_JOBS
from retail_assets.defs.automation.schedules import daily_schedule
from retail_assets.defs.checks import ALL_CHECKS
from retail_assets.defs.resources.environments import resources_for
from retail_assets.settings import get_settings

_settings = get_settings()
# One Definitions object at module scope (Dagster refuses two): the pipeline's, merged with the configured sources.
defs = dg.Definitions.merge(
    dg.Definitions(
        # Each asset links to the file that defines it (the UI's "Code" reference).
        assets=dg.with_source_code_references(
            [
                landing_sales,
                raw_sales,
                cleaned_sales,
                final_daily_sales,
                aurora_daily_sales,
                *REPORT_ASSETS,
                sales_dashboard,
            ]
        ),
        asset_checks=ALL_CHECKS,
        jobs=[sales_pipeline, *REPORT_JOBS],
        schedules=[daily_schedule(_settings)],
        sensors=[
            landing_sensor(_settings),
            run_failure_alert_sensor(_settings),
            report_automation_sensor,
            heal_sensor(),
            deadline_sensor(_settings),
        ],
        resources=resources_for(_settings),
        # Steps run one after another in one process: the Glue steps are the heavy ones, and run Spark on both cores.
        executor=dg.in_process_executor,
    ),
    api_sales_definitions(_settings),
)
