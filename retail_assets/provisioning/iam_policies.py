"""Least-privilege IAM policy documents: the Glue job role, the Glue crawler role and the Dagster runner."""

import json
from pathlib import Path

from glue_scripts.sales_contract import LANDING_TABLE_PREFIX
from retail_assets.defs.report_tables import QUICKSIGHT_REPORTS
from retail_assets.defs.resources.glue import GLUE_JOBS
from retail_assets.defs.resources.lake import ZONES
from retail_assets.defs.resources.report_exports import EXPORTS_PREFIX
from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes
from retail_assets.provisioning.iam_sagemaker import (
    SAGEMAKER_POLICY,
    runner_sagemaker_statements,
    sagemaker_execution_policy,
)
from retail_assets.provisioning.iam_statements import statement
from retail_assets.settings import AwsSettings

GLUE_JOB_POLICY = "glue-job-policy.json"
GLUE_CRAWLER_POLICY = "glue-crawler-policy.json"
RUNNER_POLICY = "dagster-runner-policy.json"
JOB_ZONES = ("raw", "cleaned", "quarantine")  # the zones the Glue jobs write; final is Athena's
S3_WRITE = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
# Listing is granted on the whole bucket: without s3:ListBucket S3 answers 403 rather than 404 for a missing
# key, and Spark and pyarrow probe missing keys all the time. It reveals key names, never content.
S3_LIST = ["s3:ListBucket", "s3:GetBucketLocation"]


class Arns:
    """The ARNs of the pipeline's resources in an account."""

    def __init__(self, aws: AwsSettings, account: Account):
        self.aws, self.account = aws, account

    def buckets(self) -> list[str]:
        """The landing and lake buckets."""
        return list(dict.fromkeys(self.account.s3_arn(b) for b in (self.aws.landing_bucket, self.aws.lake_bucket)))

    def landing_objects(self) -> list[str]:
        """The landed sales files."""
        return [self.account.s3_arn(self.aws.landing_bucket, f"{self.aws.landing_prefix}{LANDING_TABLE_PREFIX}/*")]

    def lake_objects(self, *key_prefixes: str) -> list[str]:
        """The objects under key prefixes of the lake bucket."""
        return [self.account.s3_arn(self.aws.lake_bucket, f"{prefix}*") for prefix in key_prefixes]

    def zones(self, zones: tuple[str, ...]) -> list[str]:
        """Key prefixes of lake zones."""
        return [f"{self.aws.lake_prefix}{zone}/" for zone in zones]

    def catalog(self) -> list[str]:
        """The catalog, the zone databases and their tables (Glue checks all three for a table action)."""
        databases = [self.aws.database(zone) for zone in ZONES]
        return [
            self.account.arn("glue", "catalog"),
            *(self.account.arn("glue", f"database/{database}") for database in databases),
            *(self.account.arn("glue", f"table/{database}/*") for database in databases),
        ]

    def kms(self) -> list[dict]:
        """A statement for the buckets' KMS key, when there is one."""
        if not self.aws.kms_key:
            return []
        return [statement("LakeKmsKey", ["kms:Decrypt", "kms:GenerateDataKey"], [self.aws.kms_key])]

    def secret(self) -> str:
        """The Aurora secret."""
        # Secrets Manager appends six random characters to a secret's name in its ARN.
        secret = self.aws.aurora_secret
        return secret if secret.startswith("arn:") else self.account.arn("secretsmanager", f"secret:{secret}-??????")


def glue_logs(account: Account, log_groups: str, kms_key: str | None) -> dict:
    """Writing to the log groups named by a pattern (and, with a KMS key, associating it, as Glue's encryption does)."""
    arn = account.arn("logs", f"log-group:{log_groups}")
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    return statement("GlueLogs", actions + (["logs:AssociateKmsKey"] if kms_key else []), [arn, f"{arn}:log-stream:*"])


# PutMetricData has no resource-level permissions: "*" is the only resource it accepts, so the statement is
# narrowed to Glue's namespace instead.
GLUE_METRICS = statement(
    "GlueMetrics", ["cloudwatch:PutMetricData"], ["*"], {"StringEquals": {"cloudwatch:namespace": "Glue"}}
)


def glue_job_policy(aws: AwsSettings, account: Account) -> dict:
    """For the jobs' role: read landing and raw, write raw/cleaned/quarantine, Pipes; no catalog."""
    arns = Arns(aws, account)
    return {
        "Version": "2012-10-17",
        "Statement": [
            statement("ListBuckets", S3_LIST, arns.buckets()),
            statement("ReadLanding", ["s3:GetObject"], arns.landing_objects()),
            statement("ReadLakeZones", ["s3:GetObject"], arns.lake_objects(*arns.zones(JOB_ZONES))),
            statement("WriteJobZones", S3_WRITE, arns.lake_objects(*arns.zones(JOB_ZONES))),
            statement("ReadScripts", ["s3:GetObject"], arns.lake_objects(aws.scripts_prefix)),
            # Per run would be narrower, but IAM cannot say it: every run of a job acts with the same role
            # session, and a run's Pipes keys get their random name only when Dagster starts it.
            statement("DagsterPipes", ["s3:GetObject", "s3:PutObject"], arns.lake_objects(aws.pipes_prefix)),
            # Glue names a job's groups /aws-glue/jobs/output, error, logs-v2 (with a security configuration:
            # /aws-glue/jobs/<configuration>-role/<role>/...).
            glue_logs(account, "/aws-glue/jobs/*", aws.kms_key),
            GLUE_METRICS,
            *arns.kms(),
        ],
    }


def glue_crawler_policy(aws: AwsSettings, account: Account) -> dict:
    """For the crawlers' role: read every lake zone and write their tables in the catalog; no landing, no writes."""
    arns = Arns(aws, account)
    return {
        "Version": "2012-10-17",
        "Statement": [
            statement("ListBuckets", S3_LIST, arns.buckets()),
            statement("ReadLakeZones", ["s3:GetObject"], arns.lake_objects(*arns.zones(ZONES))),
            statement(
                "CrawlerCatalog",
                [
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:BatchGetPartition",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                    "glue:UpdatePartition",
                    "glue:BatchUpdatePartition",
                    # Crawlers index the partitions of the tables they create.
                    "glue:CreatePartitionIndex",
                    "glue:GetPartitionIndexes",
                ],
                arns.catalog(),
            ),
            # /aws-glue/crawlers, or /aws-glue/crawlers-role/<role>-<configuration> with a security configuration.
            glue_logs(account, "/aws-glue/crawlers*", aws.kms_key),
            *arns.kms(),
        ],
    }


def runner_policy(aws: AwsSettings, account: Account) -> dict:
    """For the Dagster runner: starts jobs, crawls and queries, loads Aurora, alerts; no iam:PassRole needed."""
    arns = Arns(aws, account)
    athena_results = aws.athena_output.removeprefix(f"s3://{aws.lake_bucket}/")
    return {
        "Version": "2012-10-17",
        "Statement": [
            statement(
                "GlueJobRuns",
                ["glue:StartJobRun", "glue:GetJobRun", "glue:BatchStopJobRun"],
                [account.arn("glue", f"job/{aws.job(job)}") for job in GLUE_JOBS],
            ),
            statement(
                "Crawlers",
                ["glue:StartCrawler", "glue:GetCrawler"],
                [account.arn("glue", f"crawler/{aws.crawler(zone)}") for zone in ZONES],
            ),
            # Athena reads the catalog and adds the partitions an INSERT writes with the caller's permissions;
            # rewriting days of final drops their partitions first.
            statement(
                "Catalog",
                [
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:BatchGetPartition",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                    "glue:BatchDeletePartition",
                ],
                arns.catalog(),
            ),
            statement(
                "AthenaQueries",
                ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution"],
                [account.arn("athena", f"workgroup/{aws.athena_workgroup}")],
            ),
            statement("ListBuckets", S3_LIST, arns.buckets()),
            statement("ReadLanding", ["s3:GetObject"], arns.landing_objects()),
            statement(
                "ReadLake",
                ["s3:GetObject"],
                arns.lake_objects(*arns.zones(ZONES), aws.pipes_prefix, athena_results),
            ),
            # The runner writes final (Athena's INSERT, the day swap), Pipes' context and Athena's results;
            # raw, cleaned and quarantine are the Glue jobs' to write.
            statement(
                "WriteFinalPipesResults",
                S3_WRITE,
                arns.lake_objects(*arns.zones(("final",)), aws.pipes_prefix, athena_results),
            ),
            statement("AuroraSecret", ["secretsmanager:GetSecretValue"], [arns.secret()]),
            statement("Alerts", ["sns:Publish"], [account.arn("sns", aws.alert_topic)]),
            *report_statements(aws, account),
            *runner_sagemaker_statements(aws, account),
            *arns.kms(),
        ],
    }


def report_statements(aws: AwsSettings, account: Account) -> list[dict]:
    """The reports' exports (UNLOAD and the CSV copies, the dashboard page) and, when on, QuickSight's SPICE."""
    exports = Arns(aws, account).lake_objects(f"{aws.lake_prefix}{EXPORTS_PREFIX}/")
    statements = [statement("ReportExports", ["s3:GetObject", *S3_WRITE], exports)]
    if aws.quicksight_principal:
        datasets = [account.arn("quicksight", f"dataset/{aws.quicksight_dataset(t)}") for t in QUICKSIGHT_REPORTS]
        statements.append(
            statement(
                "QuickSightSpice",
                ["quicksight:CreateIngestion", "quicksight:DescribeIngestion"],
                [*datasets, *(f"{dataset}/ingestion/*" for dataset in datasets)],
            )
        )
    return statements


def write_policies(changes: Changes, aws: AwsSettings, account: Account, iam_dir: Path) -> None:
    """Write the documents into iam_dir, each only when its content changed (in a dry run too: local files)."""
    documents = {
        GLUE_JOB_POLICY: glue_job_policy(aws, account),
        GLUE_CRAWLER_POLICY: glue_crawler_policy(aws, account),
        RUNNER_POLICY: runner_policy(aws, account),
        SAGEMAKER_POLICY: sagemaker_execution_policy(aws, account),
    }
    iam_dir.mkdir(parents=True, exist_ok=True)
    for filename, document in documents.items():
        path, text = iam_dir / filename, json.dumps(document, indent=2) + "\n"
        if path.exists() and path.read_text() == text:
            changes.report("iam policy", str(path), "unchanged")
        else:
            path.write_text(text)
            changes.report("iam policy", str(path), "written")
