"""Start `dagster dev` the way a user does, with signals reset, and stop it (and all it started) by its own pid."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import dagster as dg

from retail_assets.settings import PROJECT_ROOT

# Runs the rest of its command line in this Python with SIGINT and SIGTERM at their defaults, which a test runner
# may have set to ignored (and ignored signals survive exec). A preexec_fn would do it too, but is unsafe in a
# process with threads.
DEFAULT_SIGNALS_THEN = (
    "import os, signal, sys\n"
    "for sig in (signal.SIGINT, signal.SIGTERM):\n"
    "    signal.signal(sig, signal.SIG_DFL)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)


def shipped_instance_yaml() -> str:
    """The instance settings `make demo` and `make ui` write into DAGSTER_HOME: dagster.yaml, then dagster-home.yaml."""
    return "".join((PROJECT_ROOT / name).read_text() for name in ("dagster.yaml", "dagster-home.yaml"))


@contextmanager
def instance_of(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    """The instance of a DAGSTER_HOME, with DAGSTER_HOME set to it while it is open (its settings may name it)."""
    with patch.dict(os.environ, {"DAGSTER_HOME": str(dagster_home)}):
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            yield instance


def environment(home: Path, instance_yaml: str, sensor_interval_seconds: int, **extra: str) -> dict[str, str]:
    """The environment of a local `dagster dev` over home, its DAGSTER_HOME (home/dagster) holding instance_yaml."""
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text(instance_yaml)
    # Create the instance's SQLite storage now, once: dagster dev's processes and a test reading the instance would
    # otherwise create it together, and two first migrations stamp alembic_version with two heads.
    with instance_of(dagster_home):
        pass
    return {
        **os.environ,
        "RETAIL_ENV": "local",
        "RETAIL_TRIGGER": "sensor",
        "RETAIL_TIMEZONE": "UTC",
        "RETAIL_PARTITIONS_START": "2024-01-01",
        "RETAIL_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "RETAIL_SENSOR_INTERVAL_SECONDS": str(sensor_interval_seconds),
        "SPARK_LOCAL_IP": "127.0.0.1",
        **extra,
    }


def start(env: dict[str, str], log_path: Path, port: int | None = None) -> subprocess.Popen:
    """`dagster dev` on 127.0.0.1 and port (a free one by default), in its own process group, its output appended."""
    dagster_dev = ["-m", "dagster", "dev", "--host", "127.0.0.1", "--port", str(port or free_port())]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-c", DEFAULT_SIGNALS_THEN, *dagster_dev],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends dagster dev and all it started
        )


def wait_for(check, seconds: float, what: str, log_path: Path):
    """Poll check until it returns something truthy, or fail after seconds with dagster dev's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    log = log_path.read_text(errors="replace")
    raise AssertionError(f"no {what} after {seconds} s; dagster dev said:\n{log[-5000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop dagster dev and everything it started (its process group), by its pid."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
