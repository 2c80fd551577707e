"""`provision`: every AWS resource the pipeline needs, created or updated idempotently, and the IAM documents."""

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from retail_assets.provisioning.account import caller_account
from retail_assets.provisioning.changes import Changes
from retail_assets.provisioning.iam_policies import write_policies
from retail_assets.provisioning.provision_catalog import ensure_crawlers, ensure_databases, ensure_final_table
from retail_assets.provisioning.provision_glue import ensure_glue_jobs
from retail_assets.provisioning.provision_glue_security import ensure_security_configuration
from retail_assets.provisioning.provision_quicksight import ensure_quicksight
from retail_assets.provisioning.provision_report_tables import ensure_report_tables
from retail_assets.provisioning.provision_sagemaker import ensure_model_package_group
from retail_assets.provisioning.provision_sales_api import ensure_sales_api
from retail_assets.provisioning.provision_services import check_secret, ensure_topic, ensure_workgroup
from retail_assets.provisioning.provision_storage import ensure_buckets
from retail_assets.settings import AwsSettings


def provision(
    aws: AwsSettings,
    timezone: str,
    iam_dir: Path,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    sales_api_role: str | None = None,
    sales_api_token_secret: str = "",
) -> Counter:
    """Bring the account to the pipeline's resources, one printed line per resource; returns outcome counts.

    With sales_api_role, also the generator as the sales API (Lambda behind an HTTP API), run as that role.
    """
    account = caller_account(aws.region)
    echo(f"{'Dry run in' if dry_run else 'Provisioning'} account {account.id}, {account.region}")
    changes = Changes(dry_run, echo)
    ensure_buckets(changes, aws, account)  # first: the scripts and the results go into the lake bucket
    ensure_security_configuration(changes, aws, account)  # before the crawlers and jobs that name it
    ensure_databases(changes, aws, account)
    ensure_final_table(changes, aws, account)
    ensure_report_tables(changes, aws, account)
    ensure_crawlers(changes, aws, account)
    ensure_glue_jobs(changes, aws, account, timezone)
    ensure_workgroup(changes, aws, account)
    ensure_topic(changes, aws, account)
    check_secret(changes, aws, account)
    ensure_model_package_group(changes, aws, account)
    ensure_quicksight(changes, aws, account)  # last: its datasets read the catalog's report tables
    if sales_api_role:
        url = ensure_sales_api(changes, aws, account, sales_api_role, timezone, sales_api_token_secret)
        echo(f"sales API: {url or 'created on the real run'}")
    # Written in a dry run too: the roles they describe are created before the first real run.
    write_policies(changes, aws, account, iam_dir)
    return changes.counts
