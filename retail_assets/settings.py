"""Settings resolved once from the environment: the one place that reads RETAIL_* variables."""

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("local", "aws")
DEFAULT_PARTITIONS_START = "2017-01-01"
# What starts runs by default: the landing sensor, or the 08:00 schedule (the other one starts stopped).
TRIGGERS = ("sensor", "schedule")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


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


def validate_day(value: str, what: str = "day") -> str:
    """Return value if it is a real calendar day as YYYY-MM-DD, else raise SettingsError."""
    if not _ISO_DAY.match(value or ""):
        raise SettingsError(f"{what} must be YYYY-MM-DD, got {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError as error:
        raise SettingsError(f"{what} {value!r} is not a calendar day") from error
    return value


def validate_timezone(name: str) -> str:
    """Return name if it is an IANA timezone, else raise SettingsError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"RETAIL_TIMEZONE {name!r} is not an IANA timezone") from error
    return name


def validate_rate(value: str) -> float:
    """Return value as a share between 0 and 1, else raise SettingsError."""
    try:
        rate = float(value)
    except ValueError as error:
        raise SettingsError(f"RETAIL_QUARANTINE_ERROR_RATE must be a number, got {value!r}") from error
    if not 0 <= rate <= 1:
        raise SettingsError(f"RETAIL_QUARANTINE_ERROR_RATE must be between 0 and 1, got {value!r}")
    return rate


def validate_int(name: str, value: str, minimum: int, maximum: int) -> int:
    """Return value as an integer between minimum and maximum, else raise SettingsError."""
    try:
        number = int(value)
    except ValueError as error:
        raise SettingsError(f"{name} must be an integer, got {value!r}") from error
    if not minimum <= number <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value!r}")
    return number


def validate_url(value: str) -> str:
    """Return value without a trailing slash if it is an http(s) URL, else raise SettingsError."""
    if not _HTTP_URL.match(value):
        raise SettingsError(f"RETAIL_DAGSTER_URL must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


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
        database_url=environ.get("RETAIL_DATABASE_URL") or None,
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
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from os.environ on first use."""
    return settings_from(dict(os.environ))
