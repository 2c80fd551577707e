"""provision's hardening against moto: TLS-only buckets, owner-held objects, access logs, expiry, encrypted Athena
results and alerts, Glue's security configuration, and the dagster-pipes wheel installed from the lake."""

import hashlib
import json
import subprocess
import sys
from dataclasses import replace

import boto3
from moto.iam.access_control import PermissionResult
from moto.s3.models import s3_backends

from retail_assets.provisioning.pipes_wheel import pipes_wheel
from retail_assets.provisioning.provision_glue import wheel_key
from retail_assets.provisioning.provision_services import result_encryption
from retail_assets_tests.support.moto_account import evaluate_bucket_policy
from retail_assets_tests.support.provision_harness import ACCOUNT, AWS, REGION, mutating, run

KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKETS = ("retail-test-landing", "retail-test-lake")
LAKE = "lakehouse/v1/"


def test_buckets_refuse_plain_http_and_own_their_objects(account, tmp_path):
    run(iam_dir=tmp_path)
    s3 = boto3.client("s3")
    for bucket in BUCKETS:
        statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        deny = next(statement for statement in statements if statement["Sid"] == "DenyInsecureTransport")
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        fake = s3_backends[ACCOUNT]["aws"].buckets[bucket]
        key = f"arn:aws:s3:::{bucket}/sales/2024-01-01/a.csv"
        assert evaluate_bucket_policy(fake, "s3:GetObject", key, secure_transport=False) == PermissionResult.DENIED
        assert evaluate_bucket_policy(fake, "s3:GetObject", key, secure_transport=True) != PermissionResult.DENIED
        rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_access_logs_go_to_the_lake_buckets_log_prefix(account, tmp_path):
    run(iam_dir=tmp_path)
    s3 = boto3.client("s3")
    for bucket in BUCKETS:
        assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {
            "TargetBucket": "retail-test-lake",
            "TargetPrefix": f"{LAKE}access-logs/{bucket}/",
        }
    statements = json.loads(s3.get_bucket_policy(Bucket="retail-test-lake")["Policy"])["Statement"]
    delivery = [
        statement for statement in statements if statement.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert {statement["Condition"]["ArnLike"]["aws:SourceArn"] for statement in delivery} == {
        f"arn:aws:s3:::{bucket}" for bucket in BUCKETS
    }
    assert all(statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT} for statement in delivery)


def test_old_versions_and_quarantine_expire_after_the_configured_days(account, tmp_path):
    aws = replace(AWS, noncurrent_version_days=7, quarantine_days=14)
    run(aws, tmp_path)
    s3 = boto3.client("s3")
    lake = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket="retail-test-lake")["Rules"]}
    assert lake["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    assert lake["expire-quarantine"]["Filter"]["Prefix"] == f"{LAKE}quarantine/"
    assert lake["expire-quarantine"]["Expiration"]["Days"] == 14
    assert lake["expire-access-logs"]["Filter"]["Prefix"] == f"{LAKE}access-logs/"
    landing = s3.get_bucket_lifecycle_configuration(Bucket="retail-test-landing")["Rules"]
    assert [rule["ID"] for rule in landing] == ["expire-noncurrent-versions"]  # landed files are never expired

    account.clear()
    outcomes = run(replace(aws, quarantine_days=30), tmp_path)
    assert outcomes["bucket retail-test-lake"] == "updated (lifecycle)"
    assert outcomes["bucket retail-test-landing"] == "unchanged"
    lake = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket="retail-test-lake")["Rules"]}
    assert lake["expire-quarantine"]["Expiration"]["Days"] == 30


def test_athena_results_are_encrypted(account, tmp_path):
    run(iam_dir=tmp_path)
    athena = boto3.client("athena")
    result = athena.get_work_group(WorkGroup="retail-test-workgroup")["WorkGroup"]["Configuration"][
        "ResultConfiguration"
    ]
    assert result["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert result_encryption(replace(AWS, kms_key=KMS_KEY)) == {"EncryptionOption": "SSE_KMS", "KmsKey": KMS_KEY}


def test_with_a_kms_key_everything_is_encrypted_with_it_and_a_second_run_changes_nothing(account, tmp_path):
    aws = replace(AWS, kms_key=KMS_KEY)
    run(aws, tmp_path)
    attributes = boto3.client("sns").get_topic_attributes(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:retail-test-alerts")
    assert attributes["Attributes"]["KmsMasterKeyId"] == KMS_KEY
    workgroup = boto3.client("athena").get_work_group(WorkGroup="retail-test-workgroup")["WorkGroup"]
    encryption = workgroup["Configuration"]["ResultConfiguration"]["EncryptionConfiguration"]
    assert encryption == {"EncryptionOption": "SSE_KMS", "KmsKey": KMS_KEY}
    configuration = boto3.client("glue").get_security_configuration(Name="retail-test-glue")["SecurityConfiguration"]
    assert configuration["EncryptionConfiguration"] == {
        "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KMS_KEY}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": KMS_KEY},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": KMS_KEY},
    }
    account.clear()
    outcomes = run(aws, tmp_path)
    outcomes.pop(f"secret {AWS.aurora_secret}")
    assert set(outcomes.values()) == {"unchanged"}
    assert mutating(account) == []


def test_jobs_and_crawlers_run_with_the_security_configuration_and_their_own_roles(account, tmp_path):
    run(iam_dir=tmp_path)
    glue = boto3.client("glue")
    configuration = glue.get_security_configuration(Name="retail-test-glue")["SecurityConfiguration"]
    assert configuration["EncryptionConfiguration"]["S3Encryption"] == [{"S3EncryptionMode": "SSE-S3"}]
    jobs = [glue.get_job(JobName=name)["Job"] for name in ("retail-test-ingest-sales", "retail-test-clean-sales")]
    crawlers = [glue.get_crawler(Name=f"retail-test-{zone}")["Crawler"] for zone in ("raw", "cleaned", "final")]
    assert {job["SecurityConfiguration"] for job in jobs} == {"retail-test-glue"}
    assert {crawler["CrawlerSecurityConfiguration"] for crawler in crawlers} == {"retail-test-glue"}
    assert {job["Role"].rsplit("/", 1)[1] for job in jobs} == {"retail-test-glue-job"}
    assert {crawler["Role"].rsplit("/", 1)[1] for crawler in crawlers} == {"retail-test-glue-crawler"}


def test_the_jobs_install_dagster_pipes_from_the_wheel_in_the_lake_by_its_hash(account, tmp_path):
    run(iam_dir=tmp_path)
    wheel = pipes_wheel()
    key = wheel_key(AWS, wheel)
    stored = boto3.client("s3").get_object(Bucket="retail-test-lake", Key=key)["Body"].read()
    assert f"sha256-{hashlib.sha256(stored).hexdigest()}/" in key
    assert stored == wheel.content == pipes_wheel().content  # the same bytes every time
    arguments = boto3.client("glue").get_job(JobName="retail-test-ingest-sales")["Job"]["DefaultArguments"]
    assert arguments["--additional-python-modules"] == f"s3://retail-test-lake/{key}"
    assert arguments["--python-modules-installer-option"] == "--no-index"
    # What Glue does with it: pip installs the file with no index to fall back on.
    wheel_file = tmp_path / wheel.filename
    wheel_file.write_bytes(stored)
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--target",
            str(target),
            str(wheel_file),
        ],
        check=True,
    )
    installed = subprocess.run(
        [sys.executable, "-c", "import dagster_pipes, importlib.metadata as m; print(m.version('dagster-pipes'))"],
        env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert installed.stdout.strip() == wheel.filename.split("-")[1]
