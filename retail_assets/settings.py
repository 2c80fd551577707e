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
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from os.environ on first use."""
    return settings_from(dict(os.environ))
