"""`retail-assets provision` against moto: creates everything, changes nothing the second time, dry runs."""

import io
import json
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from glue_scripts import clean_sales, ingest_sales
from glue_scripts.recipes.loader import installed_recipes
from retail_assets.cli.main import main
from retail_assets.defs.report_tables import REPORTS
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.glue import GLUE_JOBS, script_path
from retail_assets.defs.resources.lake import ZONES
from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes
from retail_assets.provisioning.glue_wheels import glue_job_wheels
from retail_assets.provisioning.iam_policies import GLUE_CRAWLER_POLICY, GLUE_JOB_POLICY, RUNNER_POLICY, write_policies
from retail_assets.provisioning.iam_sagemaker import SAGEMAKER_POLICY
from retail_assets.provisioning.provision_catalog import table_level
from retail_assets.provisioning.provision_glue import job_definition, package_zip, static_job_arguments, wheel_key
from retail_assets.settings import get_aws_settings
from retail_assets.tables import DAILY_SALES_TABLE
from retail_assets_tests.support.provision_harness import (
    ACCOUNT,
    AWS,
    ENVIRONMENT,
    REGION,
    TIMEZONE,
    UNIMPLEMENTED_UPDATES,
    mutating,
    run,
)

SCRIPTS = {"ingest_sales": ingest_sales, "clean_sales": clean_sales}
RUNTIME_ARGUMENTS = {"JOB_NAME", "start_date", "end_date"}  # passed per run, by Glue and by Dagster
GLUE_OWN_ARGUMENTS = {
    "--extra-py-files",
    "--additional-python-modules",
    "--python-modules-installer-option",
    "--job-bookmark-option",
    "--enable-metrics",
    "--enable-continuous-cloudwatch-log",
}


def test_provision_creates_everything(account, tmp_path):
    outcomes = run(iam_dir=tmp_path)
    secret = f"secret {AWS.aurora_secret}"
    assert outcomes.pop(secret) == "missing: create it (see README)"
    assert outcomes.pop(f"iam policy {tmp_path / GLUE_JOB_POLICY}") == "written"
    assert outcomes.pop(f"iam policy {tmp_path / GLUE_CRAWLER_POLICY}") == "written"
    assert outcomes.pop(f"iam policy {tmp_path / RUNNER_POLICY}") == "written"
    assert outcomes.pop(f"iam policy {tmp_path / SAGEMAKER_POLICY}") == "written"
    assert set(outcomes.values()) == {"created"}
    lake = "s3://retail-test-lake/lakehouse/v1/"
    assert set(outcomes) == {
        "bucket retail-test-landing",
        "bucket retail-test-lake",
        *(f"glue database retail_test_{zone}" for zone in ZONES),
        "glue table retail_test_final.daily_sales",
        *(f"glue table retail_test_final.{report.table}" for report in REPORTS),
        *(f"glue crawler retail-test-{zone}" for zone in ZONES),
        f"object {lake}glue/glue_scripts.zip",
        *(f"object s3://retail-test-lake/{wheel_key(AWS, wheel)}" for wheel in glue_job_wheels()),
        "glue security configuration retail-test-glue",
        f"object {lake}glue/scripts/ingest_sales.py",
        f"object {lake}glue/scripts/clean_sales.py",
        "glue job retail-test-ingest-sales",
        "glue job retail-test-clean-sales",
        "athena workgroup retail-test-workgroup",
        "sns topic retail-test-alerts",
        "sagemaker model package group retail-test-purchase-propensity",
    }

    s3 = boto3.client("s3")
    for bucket in ("retail-test-landing", "retail-test-lake"):
        assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == REGION
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"], True
        )

    glue = boto3.client("glue")
    assert {database["Name"] for database in glue.get_databases()["DatabaseList"]} == {
        f"retail_test_{zone}" for zone in ZONES
    }
    for zone in ZONES:
        crawler = glue.get_crawler(Name=f"retail-test-{zone}")["Crawler"]
        assert crawler["Role"] == f"arn:aws:iam::{ACCOUNT}:role/retail-test-glue-crawler"
        assert crawler["DatabaseName"] == f"retail_test_{zone}"
        assert crawler["Targets"]["S3Targets"] == [{"Path": f"{lake}{zone}/", "Exclusions": ["**/_*", "**/_*/**"]}]
        assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
        assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
        # bucket (1) / lakehouse (2) / v1 (3) / zone (4) / table (5)
        assert json.loads(crawler["Configuration"])["Grouping"] == {"TableLevelConfiguration": 5}

    table = glue.get_table(DatabaseName="retail_test_final", Name="daily_sales")["Table"]
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("store_id", "string"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("category", "string"),
        ("brand", "string"),
        ("units_sold", "bigint"),
        ("units_returned", "bigint"),
        ("gross_revenue", "decimal(18,4)"),
        ("returns_amount", "decimal(18,4)"),
        ("net_revenue", "decimal(18,4)"),
        ("transactions", "bigint"),
        ("customers", "bigint"),
    ]
    comments = [c["Comment"] for c in table["StorageDescriptor"]["Columns"]]
    assert comments == [column.description for column in DAILY_SALES_TABLE.columns]
    assert comments[6] == "Minus the sum of the negative quantities."
    assert table["PartitionKeys"] == [{"Name": "business_date", "Type": "string"}]
    assert table["StorageDescriptor"]["Location"] == f"{lake}final/daily_sales/"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")

    for job in GLUE_JOBS:
        definition = glue.get_job(JobName=f"retail-test-{job.replace('_', '-')}")["Job"]
        assert definition["Command"] == {
            "Name": "glueetl",
            "ScriptLocation": f"{lake}glue/scripts/{job}.py",
            "PythonVersion": "3",
        }
        assert (definition["GlueVersion"], definition["WorkerType"], definition["NumberOfWorkers"]) == (
            "5.0",
            "G.1X",
            2,
        )
        assert (definition["ExecutionClass"], definition["MaxRetries"], definition["Timeout"]) == ("STANDARD", 0, 480)
        arguments = definition["DefaultArguments"]
        assert arguments["--extra-py-files"] == f"{lake}glue/glue_scripts.zip"
        assert arguments["--additional-python-modules"] == ",".join(
            f"s3://retail-test-lake/{wheel_key(AWS, wheel)}" for wheel in glue_job_wheels()
        )
        assert arguments["--python-modules-installer-option"] == "--no-index"
        assert definition["SecurityConfiguration"] == "retail-test-glue"
        assert definition["Role"] == f"arn:aws:iam::{ACCOUNT}:role/retail-test-glue-job"
        assert arguments["--job-bookmark-option"] == "job-bookmark-disable"
        assert arguments["--enable-metrics"] == arguments["--enable-continuous-cloudwatch-log"] == "true"
        script = s3.get_object(Bucket="retail-test-lake", Key=f"lakehouse/v1/glue/scripts/{job}.py")["Body"].read()
        assert script == Path(script_path(job)).read_bytes()
    ingest = glue.get_job(JobName="retail-test-ingest-sales")["Job"]["DefaultArguments"]
    assert (ingest["--landing_uri"], ingest["--raw_uri"]) == ("s3://retail-test-landing", f"{lake}raw/sales")
    clean = glue.get_job(JobName="retail-test-clean-sales")["Job"]["DefaultArguments"]
    assert clean["--quarantine_uri"] == f"{lake}quarantine/sales"
    assert clean["--business_timezone"] == TIMEZONE

    package = s3.get_object(Bucket="retail-test-lake", Key="lakehouse/v1/glue/glue_scripts.zip")["Body"].read()
    assert zipfile.ZipFile(io.BytesIO(package)).namelist() == [
        "glue_scripts/__init__.py",
        "glue_scripts/hadoop_files.py",
        "glue_scripts/job_args.py",
        "glue_scripts/lake_days.py",
        "glue_scripts/landing_readers.py",
        "glue_scripts/pipes_context.py",
        "glue_scripts/reading_rules.py",
        "glue_scripts/recipes/__init__.py",
        "glue_scripts/recipes/library/__init__.py",
        "glue_scripts/recipes/library/complete_journey.yaml",
        "glue_scripts/recipes/loader.py",
        "glue_scripts/recipes/mapping.py",
        "glue_scripts/recipes/records.py",
        "glue_scripts/recipes/schema.py",
        "glue_scripts/recipes/spark_rows.py",
        "glue_scripts/recipes/timestamps.py",
        "glue_scripts/sales_contract.py",
        "glue_scripts/spark_session.py",
        "glue_scripts/spark_text.py",
    ]

    workgroup = boto3.client("athena").get_work_group(WorkGroup="retail-test-workgroup")["WorkGroup"]["Configuration"]
    assert workgroup["ResultConfiguration"]["OutputLocation"] == f"{lake}athena-results/"
    assert workgroup["EnforceWorkGroupConfiguration"] is True
    assert workgroup["PublishCloudWatchMetricsEnabled"] is True
    assert workgroup["BytesScannedCutoffPerQuery"] == 10 * 1024**3
    assert workgroup["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"

    topics = boto3.client("sns").list_topics()["Topics"]
    assert topics == [{"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:retail-test-alerts"}]


def test_second_run_changes_nothing(account, tmp_path):
    run(iam_dir=tmp_path)
    policies = {path.name: path.stat().st_mtime_ns for path in tmp_path.iterdir()}
    boto3.client("secretsmanager").create_secret(
        Name=AWS.aurora_secret, SecretString=json.dumps({"host": "h", "password": "s3cret"})
    )
    account.clear()
    outcomes = run(iam_dir=tmp_path)
    assert outcomes.pop(f"secret {AWS.aurora_secret}") == "present"
    assert set(outcomes.values()) == {"unchanged"}
    assert mutating(account) == []
    assert "GetSecretValue" not in [name for name, _ in account]  # the secret is described, never read
    assert {path.name: path.stat().st_mtime_ns for path in tmp_path.iterdir()} == policies


def test_dry_run_on_an_empty_account_changes_nothing(account, tmp_path):
    outcomes = run(iam_dir=tmp_path, dry_run=True)
    outcomes.pop(f"secret {AWS.aurora_secret}")
    account_outcomes = {name: outcome for name, outcome in outcomes.items() if not name.startswith("iam policy")}
    assert set(account_outcomes.values()) == {"would create"}
    assert mutating(account) == []
    assert boto3.client("s3").list_buckets()["Buckets"] == []
    assert boto3.client("glue").get_databases()["DatabaseList"] == []
    # The policy documents are local files, written in a dry run too: the roles come before the first real run.
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        RUNNER_POLICY, GLUE_CRAWLER_POLICY, GLUE_JOB_POLICY, SAGEMAKER_POLICY
    ]  # fmt: skip


def test_dry_run_reports_drift_and_a_real_run_updates_it(account, tmp_path):
    run(iam_dir=tmp_path)
    boto3.client("s3").put_bucket_versioning(Bucket="retail-test-lake", VersioningConfiguration={"Status": "Suspended"})
    glue = boto3.client("glue")
    table = glue.get_table(DatabaseName="retail_test_final", Name="daily_sales")["Table"]
    table["StorageDescriptor"]["Columns"] = table["StorageDescriptor"]["Columns"][:-1]
    glue.update_table(
        DatabaseName="retail_test_final",
        TableInput={
            key: table[key] for key in ("Name", "TableType", "Parameters", "PartitionKeys", "StorageDescriptor")
        },
    )
    changed = replace(
        AWS,
        glue_workers=5,
        athena_bytes_scanned_limit=10**9,
        glue_role="another-role",
        glue_crawler_role="another-crawler-role",
    )
    expected = {
        "bucket retail-test-lake": "update (versioning)",
        "glue table retail_test_final.daily_sales": "update (Columns)",
        "glue job retail-test-ingest-sales": "update (Role, NumberOfWorkers)",
        "glue job retail-test-clean-sales": "update (Role, NumberOfWorkers)",
        "athena workgroup retail-test-workgroup": "update (BytesScannedCutoffPerQuery)",
        **{f"glue crawler retail-test-{zone}": "update (Role)" for zone in ZONES},
    }

    account.clear()
    dry = run(changed, tmp_path, dry_run=True)
    assert {name: dry[name] for name in expected} == {name: f"would {o}" for name, o in expected.items()}
    assert mutating(account) == []

    account.clear()
    real = run(changed, tmp_path)
    assert {name: real[name] for name in expected} == {
        name: o.replace("update", "updated") for name, o in expected.items()
    }
    assert boto3.client("s3").get_bucket_versioning(Bucket="retail-test-lake")["Status"] == "Enabled"
    columns = glue.get_table(DatabaseName="retail_test_final", Name="daily_sales")["Table"]["StorageDescriptor"]
    assert columns["Columns"][-1] == {
        "Name": "customers",
        "Type": "bigint",
        "Comment": "Distinct non-empty customer_id.",
    }
    updates = {name: params for name, params in account if name in UNIMPLEMENTED_UPDATES}
    # UpdateJob replaces the whole definition: it must carry all of it, not only the changed fields.
    job_update = updates["UpdateJob"]["JobUpdate"]
    assert job_update["NumberOfWorkers"] == 5 and job_update["Role"].endswith(":role/another-role")
    assert {"Command", "DefaultArguments", "GlueVersion", "MaxRetries", "Timeout"} <= set(job_update)
    assert updates["UpdateCrawler"]["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    assert updates["UpdateWorkGroup"]["ConfigurationUpdates"]["BytesScannedCutoffPerQuery"] == 10**9


@pytest.mark.parametrize("job", GLUE_JOBS)
def test_static_job_arguments_are_the_scripts_arguments(job):
    expected = set(SCRIPTS[job].ARG_NAMES) - RUNTIME_ARGUMENTS
    assert set(static_job_arguments(AWS, job, TIMEZONE)) == expected
    arguments = job_definition(AWS, Account(ACCOUNT, "aws", REGION), job, TIMEZONE)["DefaultArguments"]
    assert set(arguments) - GLUE_OWN_ARGUMENTS == {f"--{name}" for name in expected}


def test_static_uris_are_those_the_assets_pass():
    lake = S3Lake(
        clients=AwsClients(region=REGION),
        landing_bucket=AWS.landing_bucket,
        landing_prefix=AWS.landing_prefix,
        lake_bucket=AWS.lake_bucket,
        lake_prefix=AWS.lake_prefix,
    )
    ingest, clean = (static_job_arguments(AWS, job, TIMEZONE) for job in ("ingest_sales", "clean_sales"))
    assert ingest == {"landing_uri": lake.landing_uri(), "raw_uri": lake.table_uri("raw", "sales")}
    assert {name: clean[name] for name in ("raw_uri", "cleaned_uri", "quarantine_uri")} == {
        f"{zone}_uri": lake.table_uri(zone, "sales") for zone in ("raw", "cleaned", "quarantine")
    }


def test_iam_documents(tmp_path):
    aws = replace(AWS, kms_key=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    write_policies(Changes(dry_run=False, echo=lambda line: None), aws, Account(ACCOUNT, "aws", REGION), tmp_path)
    glue_policy = json.loads((tmp_path / GLUE_JOB_POLICY).read_text())
    runner = json.loads((tmp_path / RUNNER_POLICY).read_text())
    for document in (glue_policy, runner):
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            if statement["Sid"] != "GlueMetrics":  # PutMetricData accepts no other resource
                assert "*" not in statement["Resource"]
            for arn in statement["Resource"]:
                assert (
                    arn == "*"
                    or arn.startswith(("arn:aws:s3:::", f"arn:aws:kms:{REGION}:{ACCOUNT}:", f"arn:aws:iam::{ACCOUNT}:"))
                    or (f":{REGION}:{ACCOUNT}:" in arn)
                )

    def by_sid(document):
        return {statement["Sid"]: statement for statement in document["Statement"]}

    jobs = by_sid(glue_policy)
    assert jobs["GlueMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Glue"}}
    assert jobs["ReadLanding"]["Resource"] == ["arn:aws:s3:::retail-test-landing/sales/*"]
    assert jobs["WriteJobZones"]["Resource"] == [
        f"arn:aws:s3:::retail-test-lake/lakehouse/v1/{zone}/*" for zone in ("raw", "cleaned", "quarantine")
    ]
    assert jobs["DagsterPipes"]["Resource"] == ["arn:aws:s3:::retail-test-lake/lakehouse/v1/dagster-pipes/*"]
    assert "CrawlerCatalog" not in jobs  # the catalog is the crawlers'
    crawlers = by_sid(json.loads((tmp_path / GLUE_CRAWLER_POLICY).read_text()))
    assert "glue:CreateTable" in crawlers["CrawlerCatalog"]["Action"]
    assert "ReadLanding" not in crawlers and "WriteJobZones" not in crawlers
    assert jobs["GlueLogs"]["Resource"][0] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws-glue/jobs/*"
    assert crawlers["GlueLogs"]["Resource"][0] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws-glue/crawlers*"
    assert "logs:AssociateKmsKey" in jobs["GlueLogs"]["Action"]  # the KMS key encrypts the job logs
    assert jobs["LakeKmsKey"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]

    runs = by_sid(runner)
    assert runs["GlueJobRuns"]["Action"] == ["glue:BatchStopJobRun", "glue:GetJobRun", "glue:StartJobRun"]
    assert runs["GlueJobRuns"]["Resource"] == [
        f"arn:aws:glue:{REGION}:{ACCOUNT}:job/retail-test-{job}" for job in ("ingest-sales", "clean-sales")
    ]
    assert runs["Crawlers"]["Action"] == ["glue:GetCrawler", "glue:StartCrawler"]
    assert {"glue:GetTable", "glue:GetPartitions", "glue:BatchDeletePartition"} <= set(runs["Catalog"]["Action"])
    assert runs["AthenaQueries"]["Resource"] == [f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/retail-test-workgroup"]
    assert "arn:aws:s3:::retail-test-lake/lakehouse/v1/final/*" in runs["WriteFinalPipesResults"]["Resource"]
    assert not any("/raw/" in arn for arn in runs["WriteFinalPipesResults"]["Resource"])
    assert runs["AuroraSecret"]["Resource"] == [
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:retail-test/aurora-??????"
    ]
    assert runs["Alerts"]["Resource"] == [f"arn:aws:sns:{REGION}:{ACCOUNT}:retail-test-alerts"]
    passing = [s for document in (glue_policy, runner) for s in document["Statement"] if "iam:PassRole" in s["Action"]]
    # Only the runner passes a role, only the SageMaker one, and only to SageMaker (iam_sagemaker's test has more).
    assert [(s["Sid"], s["Resource"]) for s in passing] == [
        ("PassSageMakerRole", [f"arn:aws:iam::{ACCOUNT}:role/retail-test-sagemaker"])
    ]


def test_table_level_counts_the_bucket_as_level_one():
    assert table_level("") == 3
    assert table_level("a/b/") == 5


def test_package_zip_is_deterministic():
    first = package_zip()
    assert package_zip() == first
    assert {entry.date_time for entry in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_cli_dry_run(account, tmp_path, monkeypatch, capsys):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    get_aws_settings.cache_clear()
    try:
        assert main(["provision", "--dry-run", "--iam-dir", str(tmp_path)]) == 0
    finally:
        get_aws_settings.cache_clear()
    out = capsys.readouterr().out
    assert "bucket retail-test-lake: would create" in out
    # 20 of the pipeline (the model package group among them), one object per Glue job wheel, one table per report.
    created = 20 + len(glue_job_wheels()) + len(REPORTS)
    assert out.splitlines()[-1] == f"{created} would create, 0 would update, 0 unchanged, 4 written"
    assert mutating(account) == []


def test_the_package_zip_carries_the_recipe_library_and_glue_reads_it_from_there(tmp_path):
    archive = tmp_path / "glue_scripts.zip"
    archive.write_bytes(package_zip())
    assert "glue_scripts/recipes/library/complete_journey.yaml" in zipfile.ZipFile(archive).namelist()
    script = (
        "import glue_scripts; from glue_scripts.recipes.loader import installed_recipes;"
        "print(glue_scripts.__file__); print(installed_recipes()['complete_journey'].sha256)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(archive)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    where, sha256 = result.stdout.split()
    assert where.startswith(str(archive))
    assert sha256 == installed_recipes()["complete_journey"].sha256
