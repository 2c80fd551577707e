"""Glue jobs: the scripts and the glue_scripts package they import uploaded to the lake bucket, one job each."""

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from retail_assets.defs.resources.glue import GLUE_JOBS, GLUE_SCRIPTS_DIR, script_path
from retail_assets.provisioning.account import Account, role_name
from retail_assets.provisioning.changes import Changes, found
from retail_assets.provisioning.glue_wheels import Wheel, glue_job_wheels
from retail_assets.settings import AwsSettings

GLUE_VERSION = "5.0"
# Runs of different days may overlap (the daily schedule, the landing sensor, a backfill); each writes its own days.
MAX_CONCURRENT_RUNS = 4
# ZIP's earliest timestamp, for every entry: the same sources always give the same bytes, hence the same MD5.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
PACKAGED_SUFFIXES = (".py", ".yaml")


def script_key(aws: AwsSettings, job: str) -> str:
    """Where a job's script is uploaded, in the lake bucket."""
    return f"{aws.scripts_prefix}scripts/{job}.py"


def package_key(aws: AwsSettings) -> str:
    """Where the glue_scripts package is uploaded, in the lake bucket."""
    return f"{aws.scripts_prefix}{GLUE_SCRIPTS_DIR.name}.zip"


def package_zip() -> bytes:
    """The glue_scripts package the scripts import (the job scripts left out), deterministic to the byte.

    Subpackages go in with their data: the source recipe library (recipes/library/*.yaml) is read from the zip.
    """
    buffer = io.BytesIO()
    job_scripts = {f"{job}.py" for job in GLUE_JOBS}
    files = [
        path
        for path in GLUE_SCRIPTS_DIR.rglob("*")
        if path.suffix in PACKAGED_SUFFIXES and "__pycache__" not in path.parts and path.name not in job_scripts
    ]
    # Stored, not deflated: the bytes do not depend on the zlib build of the machine that runs provision.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(files):
            name = f"{GLUE_SCRIPTS_DIR.name}/{path.relative_to(GLUE_SCRIPTS_DIR).as_posix()}"
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def wheel_key(aws: AwsSettings, wheel: Wheel) -> str:
    """Where a wheel is uploaded: under its SHA-256, so a job names the exact bytes it installs."""
    return f"{aws.scripts_prefix}wheels/sha256-{wheel.sha256}/{wheel.filename}"


def static_job_arguments(aws: AwsSettings, job: str, timezone: str) -> dict[str, str]:
    """A script's arguments that are the same for every run (the dates come per run), by name."""
    # The URIs the assets pass at run time (S3Lake's landing_uri and table_uri), so a console run does the same.
    landing = f"s3://{aws.landing_bucket}/{aws.landing_prefix}".rstrip("/")
    sales = {zone: f"s3://{aws.lake_bucket}/{aws.lake_prefix}{zone}/sales" for zone in ("raw", "cleaned", "quarantine")}
    arguments = {
        "ingest_sales": {"landing_uri": landing, "raw_uri": sales["raw"]},
        "clean_sales": {
            "raw_uri": sales["raw"],
            "cleaned_uri": sales["cleaned"],
            "quarantine_uri": sales["quarantine"],
            "business_timezone": timezone,
        },
    }
    return arguments[job]


def job_definition(aws: AwsSettings, account: Account, job: str, timezone: str) -> dict:
    """What CreateJob and UpdateJob take for a script's job (its name aside)."""
    lake = f"s3://{aws.lake_bucket}/"
    return {
        "Description": f"Retail sales: glue_scripts/{job}.py, started by Dagster through Pipes",
        "Role": account.role_arn(aws.glue_role),
        "Command": {"Name": "glueetl", "ScriptLocation": lake + script_key(aws, job), "PythonVersion": "3"},
        "DefaultArguments": {
            "--extra-py-files": lake + package_key(aws),
            # What the scripts import that Glue 5.0 lacks (Pipes, the recipe loader's PyYAML and pydantic): this
            # side's versions, from the wheels provision uploaded under their hashes, never from PyPI at job start.
            "--additional-python-modules": ",".join(lake + wheel_key(aws, wheel) for wheel in glue_job_wheels()),
            "--python-modules-installer-option": "--no-index",
            # Dagster decides which days a run processes; a bookmark would skip the files of a rerun.
            "--job-bookmark-option": "job-bookmark-disable",
            "--enable-metrics": "true",
            "--enable-continuous-cloudwatch-log": "true",
            **{f"--{name}": value for name, value in static_job_arguments(aws, job, timezone).items()},
        },
        "SecurityConfiguration": aws.glue_security_configuration,
        "GlueVersion": GLUE_VERSION,
        "WorkerType": aws.glue_worker_type,
        "NumberOfWorkers": aws.glue_workers,
        # Dagster asks for FLEX per run on long backfills; the job's own default is the prompt class.
        "ExecutionClass": "STANDARD",
        "ExecutionProperty": {"MaxConcurrentRuns": MAX_CONCURRENT_RUNS},
        # Dagster owns retries: a retry by Glue would run days Dagster believes failed.
        "MaxRetries": 0,
        "Timeout": aws.glue_timeout_minutes,
    }


def job_state(job: dict, fields: list[str]) -> dict:
    """The fields of a job provision sets, the role compared by name."""
    state = {field: job.get(field) for field in fields}
    state["Role"] = role_name(job["Role"])
    state["Command"] = {key: job.get("Command", {}).get(key) for key in ("Name", "ScriptLocation", "PythonVersion")}
    return state


def ensure_object(changes: Changes, s3, bucket: str, key: str, body: bytes) -> None:
    """An object with exactly body, uploaded only when its content differs."""
    md5 = hashlib.md5(body).hexdigest()
    head = found(lambda: s3.head_object(Bucket=bucket, Key=key), "404", "NoSuchKey", "NoSuchBucket")

    def put(fields: list[str] | None = None) -> None:
        # The MD5 goes in the metadata: under SSE-KMS an object's ETag is not the MD5 of its content. S3 checks
        # the SHA-256 on upload and keeps it with the object.
        checksum = base64.b64encode(hashlib.sha256(body).digest()).decode()
        s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"md5": md5}, ChecksumSHA256=checksum)

    current = None if head is None else {"md5": head.get("Metadata", {}).get("md5")}
    changes.ensure("object", f"s3://{bucket}/{key}", current, {"md5": md5}, put, put)


def ensure_glue_jobs(changes: Changes, aws: AwsSettings, account: Account, timezone: str) -> None:
    """The package, then each script and its job."""
    s3, glue = account.client("s3"), account.client("glue")
    ensure_object(changes, s3, aws.lake_bucket, package_key(aws), package_zip())
    for wheel in glue_job_wheels():
        ensure_object(changes, s3, aws.lake_bucket, wheel_key(aws, wheel), wheel.content)
    for job in GLUE_JOBS:
        ensure_object(changes, s3, aws.lake_bucket, script_key(aws, job), Path(script_path(job)).read_bytes())
        name, definition = aws.job(job), job_definition(aws, account, job, timezone)
        current = found(lambda name=name: glue.get_job(JobName=name), "EntityNotFoundException")
        changes.ensure(
            "glue job",
            name,
            None if current is None else job_state(current["Job"], list(definition)),
            job_state(definition, list(definition)),
            lambda name=name, definition=definition: glue.create_job(Name=name, **definition),
            # UpdateJob replaces the whole definition: the full one is sent, not only what changed.
            lambda fields, name=name, definition=definition: glue.update_job(JobName=name, JobUpdate=definition),
        )
