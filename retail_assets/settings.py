"""Settings resolved once from the environment: the one place that reads RETAIL_* variables (AWS names too)."""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from glue_scripts.sales_contract import business_zone, parse_day
from retail_assets.redaction import redact

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("local", "aws")
DEFAULT_PARTITIONS_START = "2017-01-01"
DEFAULT_DAILY_SALES_DEADLINE = "09:00"
# What starts runs by default: the landing sensor, or the 08:00 schedule (the other one starts stopped).
TRIGGERS = ("sensor", "schedule")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SettingsError(ValueError):
    """A RETAIL_* variable holds a value the project cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where the pipeline runs and what a business day is."""

    env: str
    home: Path
    timezone: str
    partitions_start: str
    database_url: str | None
    quarantine_error_rate: float
    trigger: str
    sensor_interval_seconds: int
    sensor_lookback_days: int
    sensor_max_keys: int
    dagster_url: str
    # The time of day (HH:MM, business time) by which aurora/daily_sales must hold yesterday.
    daily_sales_deadline: str
    # The sales HTTP API's /sales URL (README, "Sources"); None: no API source in the code location.
    sales_api_url: str | None = None

    @property
    def landing_root(self) -> Path:
        """Local landing 'bucket': objects under sales/<YYYY-MM-DD>/."""
        return self.home / "landing"

    @property
    def lake_root(self) -> Path:
        """Local lake 'bucket': one folder per zone and table."""
        return self.home / "lake"

    @property
    def catalog_path(self) -> Path:
        """The DuckDB file standing in for the Glue Data Catalog."""
        return self.home / "catalog.duckdb"

    @property
    def dagster_home(self) -> Path:
        """DAGSTER_HOME for runs started by the CLI and the Makefile."""
        return self.home / "dagster"


def _by_contract(rule: Callable[[str], object], value: str, what: str) -> str:
    """Return value if the contract's rule accepts it, else raise SettingsError naming what."""
    try:
        rule(value)
    except ValueError as error:
        raise SettingsError(f"{what}: {error}") from error
    return value


def validate_day(value: str, what: str = "day") -> str:
    """Return value if it is a real calendar day as YYYY-MM-DD, else raise SettingsError."""
    return _by_contract(parse_day, value, what)


def validate_timezone(name: str) -> str:
    """Return name if it is an IANA timezone, else raise SettingsError."""
    return _by_contract(business_zone, name, "RETAIL_TIMEZONE")


def validate_rate(value: str) -> float:
    """Return value as a share between 0 and 1, else raise SettingsError."""
    try:
        rate = float(value)
    except ValueError as error:
        raise SettingsError(f"RETAIL_QUARANTINE_ERROR_RATE must be a number, got {value!r}") from error
    if not 0 <= rate <= 1:
        raise SettingsError(f"RETAIL_QUARANTINE_ERROR_RATE must be between 0 and 1, got {value!r}")
    return rate


def validate_int(name: str, value: str, minimum: int, maximum: int | None) -> int:
    """Return value as an integer between minimum and maximum (None: no maximum), else raise SettingsError."""
    try:
        number = int(value)
    except ValueError as error:
        raise SettingsError(f"{name} must be an integer, got {value!r}") from error
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise SettingsError(f"{name} must be {bounds}, got {value!r}")
    return number


def validate_url(value: str, name: str = "RETAIL_DAGSTER_URL") -> str:
    """Return value without a trailing slash if it is an http(s) URL, else raise SettingsError naming the variable."""
    if not _HTTP_URL.match(value):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def validate_database_url(value: str | None) -> str | None:
    """Return value if libpq can parse it, else raise SettingsError with its password redacted."""
    if not value:
        return None
    try:
        conninfo_to_dict(value)
        return value
    except psycopg.ProgrammingError as error:
        problem = redact(str(error).strip())
    # Raised outside the except block: the original error quotes the URL, password and all, and Dagster shows an
    # error's cause and context with it.
    raise SettingsError(f"RETAIL_DATABASE_URL is not a libpq connection string: {problem}")


def validate_time_of_day(value: str) -> str:
    """Return value if it is a time of day HH:MM after midnight (00:01 to 23:59), else raise SettingsError."""
    if not _TIME_OF_DAY.match(value) or value == "00:00":
        raise SettingsError(f"RETAIL_DAILY_SALES_DEADLINE must be a time HH:MM from 00:01 to 23:59, got {value!r}")
    return value


def validate_trigger(value: str) -> str:
    """Return value if it names a trigger, else raise SettingsError."""
    if value not in TRIGGERS:
        raise SettingsError(f"RETAIL_TRIGGER must be one of {', '.join(TRIGGERS)}, got {value!r}")
    return value


def settings_from(environ: dict[str, str]) -> Settings:
    """Build and validate Settings from a mapping of environment variables."""
    env = environ.get("RETAIL_ENV", "local").strip().lower()
    if env not in ENVIRONMENTS:
        raise SettingsError(f"RETAIL_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    home = Path(environ.get("RETAIL_HOME") or PROJECT_ROOT / ".retail").expanduser().resolve()
    return Settings(
        env=env,
        home=home,
        timezone=validate_timezone(environ.get("RETAIL_TIMEZONE", "UTC")),
        partitions_start=validate_day(
            environ.get("RETAIL_PARTITIONS_START", DEFAULT_PARTITIONS_START), "RETAIL_PARTITIONS_START"
        ),
        database_url=validate_database_url(environ.get("RETAIL_DATABASE_URL")),
        quarantine_error_rate=validate_rate(environ.get("RETAIL_QUARANTINE_ERROR_RATE", "0.20")),
        trigger=validate_trigger(environ.get("RETAIL_TRIGGER", "sensor").strip().lower()),
        # Below 5 s the daemon's own loop, not the setting, decides; above a day the sensor is not watching.
        sensor_interval_seconds=validate_int(
            "RETAIL_SENSOR_INTERVAL_SECONDS", environ.get("RETAIL_SENSOR_INTERVAL_SECONDS", "30"), 5, 86_400
        ),
        sensor_lookback_days=validate_int(
            "RETAIL_SENSOR_LOOKBACK_DAYS", environ.get("RETAIL_SENSOR_LOOKBACK_DAYS", "7"), 1, 366
        ),
        # 100 S3 pages at most: a tick stays well inside the daemon's 60 s limit on one sensor evaluation.
        sensor_max_keys=validate_int(
            "RETAIL_SENSOR_MAX_KEYS", environ.get("RETAIL_SENSOR_MAX_KEYS", "20000"), 1, 100_000
        ),
        dagster_url=validate_url(environ.get("RETAIL_DAGSTER_URL", "http://127.0.0.1:3000").strip()),
        daily_sales_deadline=validate_time_of_day(
            environ.get("RETAIL_DAILY_SALES_DEADLINE", DEFAULT_DAILY_SALES_DEADLINE).strip()
        ),
        sales_api_url=(
            validate_url(url, "RETAIL_SALES_API_URL")
            if (url := environ.get("RETAIL_SALES_API_URL", "").strip())
            else None
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from os.environ on first use."""
    return settings_from(dict(os.environ))


@dataclass(frozen=True)
class PropensityValues:
    """The purchase propensity label, its time split and the quality gate's margins."""

    horizon_days: int  # the label: a purchase within this many days after the cutoff
    training_cutoffs: int  # how many cutoffs the training rows are featured at
    step_days: int  # days between two training cutoffs
    min_lift: float  # the model's held-out ROC AUC must beat the baseline's by at least this
    max_drop: float  # and fall at most this far below the accepted model's on the same rows


def _share(environ: dict[str, str], name: str, default: str) -> float:
    """A number between 0 and 1."""
    try:
        value = float(environ.get(name, default))
    except ValueError as error:
        raise SettingsError(f"{name} must be a number, got {environ.get(name)!r}") from error
    if not 0 <= value <= 1:
        raise SettingsError(f"{name} must be between 0 and 1, got {value}")
    return value


def propensity_settings_from(environ: dict[str, str]) -> PropensityValues:
    """Build and validate PropensityValues from environment variables."""
    return PropensityValues(
        horizon_days=validate_int(
            "RETAIL_PROPENSITY_HORIZON_DAYS", environ.get("RETAIL_PROPENSITY_HORIZON_DAYS", "30"), 1, 366
        ),
        training_cutoffs=validate_int(
            "RETAIL_PROPENSITY_TRAINING_CUTOFFS", environ.get("RETAIL_PROPENSITY_TRAINING_CUTOFFS", "4"), 1, 52
        ),
        step_days=validate_int("RETAIL_PROPENSITY_STEP_DAYS", environ.get("RETAIL_PROPENSITY_STEP_DAYS", "30"), 1, 366),
        min_lift=_share(environ, "RETAIL_PROPENSITY_MIN_LIFT", "0.02"),
        max_drop=_share(environ, "RETAIL_PROPENSITY_MAX_DROP", "0.02"),
    )


@lru_cache(maxsize=1)
def get_propensity_settings() -> PropensityValues:
    """The process's propensity settings, read from os.environ on first use."""
    return propensity_settings_from(dict(os.environ))


# AWS names, every one derived from RETAIL_AWS_PREFIX unless overridden.
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
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+$")
# The registries of SageMaker's built-in XGBoost 1.7-1 image (one account per region, AWS's documented paths).
XGBOOST_REGISTRIES = {
    "us-east-1": "683313688378", "us-east-2": "257758044811", "us-west-1": "746614075791",
    "us-west-2": "246618743249", "eu-west-1": "141502667606", "eu-west-2": "764974769150",
    "eu-central-1": "492215442770", "ap-southeast-1": "121021644041", "ap-southeast-2": "783357654285",
    "ap-northeast-1": "354813040037",
}  # fmt: skip
XGBOOST_VERSION = "1.7-1"
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_QUICKSIGHT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_QUICKSIGHT_PRINCIPAL = re.compile(
    r"^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)/[A-Za-z0-9/_+=.@-]{1,256}$"
)


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
    # The crawlers' own role: they read every zone and write the catalog, the jobs' role neither.
    glue_crawler_role: str = "retail-sales-glue-crawler"
    # Lifecycle: old object versions, and quarantined rows, are deleted after this many days.
    noncurrent_version_days: int = 30
    quarantine_days: int = 90
    # The CA bundle Aurora's certificate must chain to (AWS's RDS bundle); None: libpq's ~/.postgresql/root.crt.
    aurora_ca_bundle: str | None = None
    # QuickSight: off unless a principal (the user or group the dashboard is shared with) is named.
    quicksight_principal: str | None = None
    quicksight_data_source: str = ""
    quicksight_dashboard: str = ""

    def quicksight_dataset(self, table: str) -> str:
        """The QuickSight dataset id over a report table."""
        return f"{self.prefix}-{table.replace('_', '-')}"

    # Purchase propensity on SageMaker: the built-in XGBoost container trains and serves.
    sagemaker_role: str = "retail-sales-sagemaker"
    xgboost_image: str | None = None
    training_instance_type: str = "ml.m5.large"
    training_max_seconds: int = 3600
    serverless_memory_mb: int = 2048
    serverless_max_concurrency: int = 5

    @property
    def propensity_name(self) -> str:
        """The model package group and the serverless endpoint of the propensity model."""
        return f"{self.prefix}-purchase-propensity"

    @property
    def sagemaker_prefix(self) -> str:
        """Where training jobs read their CSV channel and write model.tar.gz, in the lake bucket."""
        return f"{self.lake_prefix}sagemaker/"

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
    def access_logs_prefix(self) -> str:
        """Where S3 delivers the buckets' access logs, in the lake bucket."""
        return f"{self.lake_prefix}access-logs/"

    @property
    def glue_security_configuration(self) -> str:
        """The Glue security configuration (S3, CloudWatch and bookmark encryption) of the jobs and crawlers."""
        return f"{self.prefix}-glue"

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
    return validate_int(name, environ.get(name, str(default)), 1, 10**15)


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
        glue_crawler_role=_valid(
            _NAME_OR_ARN, environ.get("RETAIL_GLUE_CRAWLER_ROLE", f"{prefix}-glue-crawler"), "RETAIL_GLUE_CRAWLER_ROLE"
        ),
        noncurrent_version_days=_int(environ, "RETAIL_NONCURRENT_VERSION_DAYS", 30),
        quarantine_days=_int(environ, "RETAIL_QUARANTINE_DAYS", 90),
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
        aurora_ca_bundle=_ca_bundle(environ.get("RETAIL_AURORA_CA_BUNDLE")),
        quicksight_principal=_valid(
            _QUICKSIGHT_PRINCIPAL, environ["RETAIL_QUICKSIGHT_PRINCIPAL"], "RETAIL_QUICKSIGHT_PRINCIPAL"
        )
        if environ.get("RETAIL_QUICKSIGHT_PRINCIPAL")
        else None,
        quicksight_data_source=_valid(
            _QUICKSIGHT_ID,
            environ.get("RETAIL_QUICKSIGHT_DATA_SOURCE", f"{prefix}-athena"),
            "RETAIL_QUICKSIGHT_DATA_SOURCE",
        ),
        quicksight_dashboard=_valid(
            _QUICKSIGHT_ID, environ.get("RETAIL_QUICKSIGHT_DASHBOARD", f"{prefix}-sales"), "RETAIL_QUICKSIGHT_DASHBOARD"
        ),
        sagemaker_role=_valid(
            _NAME_OR_ARN, environ.get("RETAIL_SAGEMAKER_ROLE", f"{prefix}-sagemaker"), "RETAIL_SAGEMAKER_ROLE"
        ),
        xgboost_image=_xgboost_image(environ),
        training_instance_type=_valid(
            _INSTANCE_TYPE,
            environ.get("RETAIL_SAGEMAKER_TRAINING_INSTANCE", "ml.m5.large"),
            "RETAIL_SAGEMAKER_TRAINING_INSTANCE",
        ),
        training_max_seconds=_int(environ, "RETAIL_SAGEMAKER_TRAINING_MAX_SECONDS", 3600),
        # Serverless endpoints take 1 to 6 GB in steps of 1 GB.
        serverless_memory_mb=int(
            _one_of(
                environ.get("RETAIL_SAGEMAKER_SERVERLESS_MEMORY_MB", "2048"),
                tuple(str(size) for size in range(1024, 6145, 1024)),
                "RETAIL_SAGEMAKER_SERVERLESS_MEMORY_MB",
            )
        ),
        serverless_max_concurrency=validate_int(
            "RETAIL_SAGEMAKER_SERVERLESS_CONCURRENCY",
            environ.get("RETAIL_SAGEMAKER_SERVERLESS_CONCURRENCY", "5"),
            1,
            200,
        ),
    )


def _ca_bundle(value: str | None) -> str | None:
    """The absolute path of a CA bundle file, or None when unset."""
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise SettingsError(f"RETAIL_AURORA_CA_BUNDLE names no file: {value!r}")
    return str(path.resolve())


def _xgboost_image(environ: dict[str, str]) -> str | None:
    """RETAIL_SAGEMAKER_XGBOOST_IMAGE, else the built-in image of the region (None: no known registry)."""
    if environ.get("RETAIL_SAGEMAKER_XGBOOST_IMAGE"):
        return _valid(_IMAGE, environ["RETAIL_SAGEMAKER_XGBOOST_IMAGE"], "RETAIL_SAGEMAKER_XGBOOST_IMAGE")
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    account = XGBOOST_REGISTRIES.get(region or "")
    return f"{account}.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:{XGBOOST_VERSION}" if account else None


@lru_cache(maxsize=1)
def get_aws_settings() -> AwsSettings:
    """The process's AWS settings, read from os.environ on first use."""
    return aws_settings_from(dict(os.environ))
