"""After the pipeline's run: the reports of its days and months, then the dashboard, as the automation sensor would."""

import dagster as dg

from retail_assets.cli.run_range import RunOutcome, materialize_range, run_job
from retail_assets.defs.automation.report_jobs import daily_reports, dashboard, monthly_reports


def materialize_reports(
    defs: dg.Definitions, start: str, end: str, instance: dg.DagsterInstance
) -> dict[str, RunOutcome]:
    """The daily report over start...end, the monthly ones over the months holding those days, then the dashboard."""
    return {
        daily_reports.name: materialize_range(defs, start, end, instance, daily_reports.name),
        # Daily partitions too: a run of the days rewrites the months they fall in.
        monthly_reports.name: materialize_range(defs, start, end, instance, monthly_reports.name),
        dashboard.name: run_job(defs, dashboard.name, instance),
    }
