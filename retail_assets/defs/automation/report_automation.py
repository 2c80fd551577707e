"""When the reports and the dashboard refresh: after days they read are loaded, by their own automation sensor."""

import dagster as dg

REPORTS_GROUP = "reports"

# Not AutomationCondition.eager(): eager looks at the latest time partition only (a backfilled month would never
# refresh) and waits while any upstream day is missing (a dashboard over years of days would wait forever).
AFTER_NEW_DAYS = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after the days it reads are loaded")

report_automation_sensor = dg.AutomationConditionSensorDefinition(
    "report_automation",
    target=dg.AssetSelection.groups(REPORTS_GROUP),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the report tables, their exports and the dashboard after new days are loaded.",
)
