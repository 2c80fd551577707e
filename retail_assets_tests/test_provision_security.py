"""provision's hardening against moto: TLS-only buckets, owner-held objects, access logs, expiry, encrypted Athena
results and alerts, Glue's security configuration, and the jobs' wheels (dagster-pipes, PyYAML, pydantic) installed from the lake."""

import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from importlib.metadata import version

import boto3
from moto.iam.access_control import PermissionResult
from moto.s3.models import s3_backends

from glue_scripts.recipes.loader import installed_recipes
from retail_assets.provisioning.glue_wheels import glue_job_wheels, installed_wheel
from retail_assets.provisioning.provision_glue import package_zip, wheel_key
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


def test_the_jobs_install_their_wheels_from_the_lake_by_hash_and_import_nothing_else(account, tmp_path):
    run(iam_dir=tmp_path)
    wheels = glue_job_wheels()
    s3 = boto3.client("s3")
    site, files = tmp_path / "site", []
    for wheel in wheels:
        key = wheel_key(AWS, wheel)
        stored = s3.get_object(Bucket="retail-test-lake", Key=key)["Body"].read()
        assert f"sha256-{hashlib.sha256(stored).hexdigest()}/" in key
        assert stored == wheel.content == installed_wheel(wheel.filename.split("-")[0]).content  # the same bytes
        files.append(tmp_path / wheel.filename)
        files[-1].write_bytes(stored)
    arguments = boto3.client("glue").get_job(JobName="retail-test-ingest-sales")["Job"]["DefaultArguments"]
    assert arguments["--additional-python-modules"] == ",".join(
        f"s3://retail-test-lake/{wheel_key(AWS, wheel)}" for wheel in wheels
    )
    assert arguments["--python-modules-installer-option"] == "--no-index"
    # What Glue does with them: pip installs the files, resolving their requirements among them, with no index.
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--target", str(site), *map(str, files)]
    subprocess.run(install, check=True)
    archive = tmp_path / "glue_scripts.zip"
    archive.write_bytes(package_zip())
    # -S: no site-packages, so the job's imports come from the wheels and the package zip alone.
    script = (
        f"import sys; sys.path[:0] = [{str(site)!r}, {str(archive)!r}];"
        "import importlib.metadata as m, dagster_pipes, yaml, pydantic;"
        "from glue_scripts.recipes.loader import installed_recipes;"
        "print(m.version('dagster-pipes'), m.version('pydantic'), yaml.__file__,"
        " installed_recipes()['complete_journey'].sha256)"
    )
    installed = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    pipes, pydantic, yaml_file, recipe_sha256 = installed.stdout.split()
    assert (pipes, pydantic) == (version("dagster-pipes"), version("pydantic"))
    assert yaml_file.startswith(str(site))
    assert recipe_sha256 == installed_recipes()["complete_journey"].sha256
