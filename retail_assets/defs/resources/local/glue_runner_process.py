"""Starting, reaching and stopping the local Glue runner process (glue_runner.py) that a run's Glue jobs share."""

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from retail_assets.defs.resources.glue import GLUE_JOBS, GLUE_SCRIPTS_DIR
from retail_assets.defs.resources.local.parent_bound import bound_command
from retail_assets.settings import PROJECT_ROOT

RUNNER_MODULE = "retail_assets.defs.resources.local.glue_runner"
CLIENT_SCRIPT = Path(__file__).with_name("glue_runner_client.py")
READY_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 60.0  # the first runner writes the class-data archive as it stops (glue_runner_classes.py)


class GlueRunnerProcess:
    """One runner: a child process with a warm Spark session, listening on a Unix socket in a private folder."""

    def __init__(self, env: dict[str, str], scripts_dir: Path = GLUE_SCRIPTS_DIR, jobs=GLUE_JOBS) -> None:
        self.env, self._scripts_dir, self._jobs = env, scripts_dir, list(jobs)
        self.starts = 0
        self._start()

    def _start(self) -> None:
        """A new runner process, in a new private folder."""
        # mkdtemp makes the folder 0700: only this user reaches the socket. /tmp keeps its path short enough.
        self.folder = Path(tempfile.mkdtemp(prefix="retail-glue-"))
        self.socket_path = str(self.folder / "runner.sock")
        self.log_path = self.folder / "runner.log"
        command = [sys.executable, "-m", RUNNER_MODULE, self.socket_path, str(self._scripts_dir), *self._jobs]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                # Bound to this process: the runner, its JVM and its workers die with it.
                bound_command(command),
                env=self.env,
                cwd=str(PROJECT_ROOT),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def client_command(self, job: str, arguments: list[str]) -> list[str]:
        """The Pipes subprocess command that runs job in this runner; waits until the runner listens.

        A runner that ended (a cancelled job ends it) is replaced first: the job runs in a new one.
        """
        if self.process.poll() is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self._start()
        self.wait_ready()
        return [sys.executable, str(CLIENT_SCRIPT), self.socket_path, job, *arguments]

    def wait_ready(self) -> None:
        """Return once the runner accepts connections; RuntimeError with its log if it ended or never did."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not Path(self.socket_path).exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the local Glue runner exited with {self.process.returncode}:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the local Glue runner did not start in {READY_TIMEOUT_S:.0f} s:\n{self._log_tail()}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Ask the runner to stop its Spark session and exit; end it at once if it is not listening yet, or if it
        does not exit in time; remove its folder."""
        try:
            if self.process.poll() is None and Path(self.socket_path).exists():
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                    connection.connect(self.socket_path)
                    connection.sendall(json.dumps({"stop": True}).encode() + b"\n")
                self.process.wait(STOP_TIMEOUT_S)
            else:
                self.process.terminate()  # still starting its JVM: parent_bound kills the runner's process group
                self.process.wait()
        except (OSError, subprocess.TimeoutExpired):
            self.process.terminate()
            self.process.wait()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _log_tail(self, lines: int = 40) -> str:
        """The last lines of the runner's output."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
