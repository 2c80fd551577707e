"""The report tables in the final Glue database, which Athena's INSERT INTO needs to exist before it writes them."""

from retail_assets.defs.report_tables import REPORTS, Report
from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes
from retail_assets.provisioning.provision_catalog import FINAL_ZONE, ensure_table, table_input
from retail_assets.settings import AwsSettings


def report_table_input(aws: AwsSettings, report: Report) -> dict:
    """The TableInput of a report table: its declared columns, partitioned by business_date."""
    return table_input(aws, report.declared)


def ensure_report_tables(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """Every report table, created or brought to its declared columns (UpdateTable keeps the partitions)."""
    glue = account.client("glue")
    for report in REPORTS:
        ensure_table(changes, glue, aws.database(FINAL_ZONE), report_table_input(aws, report))
