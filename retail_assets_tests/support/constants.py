"""Values the tests share: the project root and the business time zone of the Spark fixture."""

from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
BUSINESS_TIMEZONE = "America/New_York"
