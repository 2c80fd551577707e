"""AWS names, resolved once from the environment: every one derived from RETAIL_AWS_PREFIX unless overridden."""

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from retail_assets.settings import SettingsError

_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# The characters each service allows in these names (ARNs included where a name or an ARN is accepted): they go
# into API calls and into the IAM documents' resource ARNs, so nothing else may pass.
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_NAME_OR_ARN = re.compile(
    r"^(arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[A-Za-z0-9/_+=.@:-]{1,512}|[A-Za-z0-9/_+=.@-]{1,512})$"
)
GLUE_WORKER_TYPES = ("G.025X", "G.1X", "G.2X", "G.4X", "G.8X", "Z.2X")
_KEY_PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)*$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class AwsSettings:
    """Where the pipeline lives in an AWS account."""

    prefix: str
    region: str | None
    landing_bucket: str
    landing_prefix: str
    lake_bucket: str
    lake_prefix: str
    glue_role: str
    glue_worker_type: str
    glue_workers: int
    glue_flex_min_days: int
    athena_workgroup: str
    athena_bytes_scanned_limit: int
    alert_topic: str
    aurora_secret: str
    # Optional: default bucket encryption with this KMS key instead of SSE-S3 (provision, IAM documents).
    kms_key: str | None = None
    # A Glue job run is stopped after this long (480 min is AWS's own default for new jobs).
    glue_timeout_minutes: int = 480

    def database(self, zone: str) -> str:
        """The Glue database of a lake zone."""
        return f"{self.prefix.replace('-', '_')}_{zone}"

    def crawler(self, zone: str) -> str:
        """The crawler of a lake zone."""
        return f"{self.prefix}-{zone}"

    def job(self, job: str) -> str:
        """The Glue job name of a script in glue_scripts/."""
        return f"{self.prefix}-{job.replace('_', '-')}"

    @property
    def scripts_prefix(self) -> str:
        """Where provision uploads the Glue scripts and their shared module, in the lake bucket."""
        return f"{self.lake_prefix}glue/"

    @property
    def pipes_prefix(self) -> str:
        """Where Dagster Pipes exchanges context and messages with Glue jobs, in the lake bucket."""
        return f"{self.lake_prefix}dagster-pipes/"

    @property
    def athena_output(self) -> str:
        """The workgroup's enforced result location."""
        return f"s3://{self.lake_bucket}/{self.lake_prefix}athena-results/"


def _valid(pattern: re.Pattern, value: str, name: str) -> str:
    """value if it matches pattern, else SettingsError naming the variable."""
    if not pattern.match(value):
        raise SettingsError(f"{name} has an invalid value {value!r}")
    return value


def _key_prefix(value: str, name: str) -> str:
    """An S3 key prefix ending in '/' (or empty)."""
    value = value.strip("/")
    return _valid(_KEY_PREFIX, f"{value}/" if value else "", name)


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    """value if it is one of allowed, else SettingsError naming the variable."""
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _int(environ: dict[str, str], name: str, default: int) -> int:
    """A positive integer variable."""
    value = environ.get(name, str(default))
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def aws_settings_from(environ: dict[str, str]) -> AwsSettings:
    """Build and validate AwsSettings from environment variables."""
    prefix = _valid(_PREFIX, environ.get("RETAIL_AWS_PREFIX", "retail-sales"), "RETAIL_AWS_PREFIX")
    return AwsSettings(
        prefix=prefix,
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION"),
        landing_bucket=_valid(
            _BUCKET, environ.get("RETAIL_LANDING_BUCKET", f"{prefix}-landing"), "RETAIL_LANDING_BUCKET"
        ),
        landing_prefix=_key_prefix(environ.get("RETAIL_LANDING_PREFIX", ""), "RETAIL_LANDING_PREFIX"),
        lake_bucket=_valid(_BUCKET, environ.get("RETAIL_LAKE_BUCKET", f"{prefix}-lake"), "RETAIL_LAKE_BUCKET"),
        lake_prefix=_key_prefix(environ.get("RETAIL_LAKE_PREFIX", ""), "RETAIL_LAKE_PREFIX"),
        glue_role=_valid(_NAME_OR_ARN, environ.get("RETAIL_GLUE_ROLE", f"{prefix}-glue-job"), "RETAIL_GLUE_ROLE"),
        glue_worker_type=_one_of(
            environ.get("RETAIL_GLUE_WORKER_TYPE", "G.1X"), GLUE_WORKER_TYPES, "RETAIL_GLUE_WORKER_TYPE"
        ),
        glue_workers=_int(environ, "RETAIL_GLUE_WORKERS", 2),
        glue_flex_min_days=_int(environ, "RETAIL_GLUE_FLEX_MIN_DAYS", 4),
        athena_workgroup=_valid(
            _NAME, environ.get("RETAIL_ATHENA_WORKGROUP", f"{prefix}-workgroup"), "RETAIL_ATHENA_WORKGROUP"
        ),
        athena_bytes_scanned_limit=_int(environ, "RETAIL_ATHENA_BYTES_SCANNED_LIMIT", 10 * 1024**3),
        alert_topic=_valid(_NAME_OR_ARN, environ.get("RETAIL_ALERT_TOPIC", f"{prefix}-alerts"), "RETAIL_ALERT_TOPIC"),
        aurora_secret=_valid(
            _NAME_OR_ARN, environ.get("RETAIL_AURORA_SECRET", f"{prefix}/aurora"), "RETAIL_AURORA_SECRET"
        ),
        kms_key=_valid(_KMS_KEY_ARN, environ["RETAIL_KMS_KEY"], "RETAIL_KMS_KEY")
        if environ.get("RETAIL_KMS_KEY")
        else None,
        glue_timeout_minutes=_int(environ, "RETAIL_GLUE_TIMEOUT_MINUTES", 480),
    )


@lru_cache(maxsize=1)
def get_aws_settings() -> AwsSettings:
    """The process's AWS settings, read from os.environ on first use."""
    return aws_settings_from(dict(os.environ))
