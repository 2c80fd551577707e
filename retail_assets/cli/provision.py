"""`retail-assets provision`: create or update the pipeline's AWS resources and write its IAM policy documents."""

import argparse
import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from retail_assets.provisioning.provision import provision
from retail_assets.provisioning.provision_storage import BucketNotOwned
from retail_assets.settings import get_aws_settings, get_settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the provision command."""
    parser = subparsers.add_parser(
        "provision",
        help="create or update the AWS resources (buckets, catalog, crawlers, Glue jobs, Athena, SNS)",
        description=(
            "Idempotently create or update the pipeline's AWS resources, named by the RETAIL_AWS_* settings, "
            "printing one line per resource (created, updated or unchanged), and write the IAM policy documents "
            "of the Glue job role and the Dagster runner. The Aurora secret is only checked, never created."
        ),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be created or updated and change nothing in the account "
        "(the IAM policy documents are still written)",
    )
    parser.add_argument(
        "--iam-dir", type=Path, default=Path("iam"), help="folder for the IAM policy documents (default ./iam)"
    )
    parser.add_argument(
        "--sales-api-role",
        metavar="ROLE",
        help="also deploy the generator as the sales API (Lambda behind an API Gateway HTTP API), run as this role",
    )
    parser.add_argument(
        "--sales-api-token-secret",
        default="",
        metavar="SECRET",
        help="Secrets Manager secret holding the sales API's bearer token (default: no authentication)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Provision and print a summary; exit 1 when AWS refused a call."""
    try:
        counts = provision(
            get_aws_settings(),
            get_settings().timezone,
            args.iam_dir,
            args.dry_run,
            sales_api_role=args.sales_api_role,
            sales_api_token_secret=args.sales_api_token_secret,
        )
    except (BotoCoreError, ClientError, BucketNotOwned) as error:
        print(f"retail-assets provision: {error}", file=sys.stderr)
        return 1
    outcomes = ("would create", "would update") if args.dry_run else ("created", "updated")
    print(", ".join(f"{counts[outcome]} {outcome}" for outcome in (*outcomes, "unchanged", "written")))
    return 0
