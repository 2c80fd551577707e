"""Dagster's own CLI run the way the README documents it, for end-to-end tests."""

import os
import subprocess
import sys
from pathlib import Path

from retail_assets.settings import PROJECT_ROOT


def materialize(
    home: Path, timezone: str, database_url: str, first: str, last: str, succeeds: bool = True, select: str = "*"
) -> str:
    """Run `dagster asset materialize` of select over first...last as the README documents it; return its output.

    select narrows the run (`*aurora/daily_sales,quarantine/sales`: the sales chain into PostgreSQL, no reports).
    """
    env = {
        **os.environ,
        "RETAIL_HOME": str(home),
        "RETAIL_TIMEZONE": timezone,
        "RETAIL_PARTITIONS_START": first[:4] + "-01-01",
        "RETAIL_DATABASE_URL": database_url,
        "DAGSTER_HOME": str(home / "dagster"),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "-m",
        "retail_assets.definitions",
        "--select",
        select,
        "--partition-range",
        f"{first}...{last}",
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert (result.returncode == 0) == succeeds, result.stdout[-5000:] + result.stderr[-5000:]
    return result.stdout + result.stderr
