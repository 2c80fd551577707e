"""The local Glue runner: one warm Spark session that runs Glue job scripts one after another, like a Glue
interactive session. `python -m retail_assets.defs.resources.local.glue_runner SOCKET SCRIPTS_DIR JOB...`.

Each request (from glue_runner_client.py, the Pipes subprocess) names a job and brings its argv and Pipes
environment; the script's `__main__` runs in a new Spark session of the warm SparkContext, with its own SQL
configuration, temporary views and functions, and with every cache, global temporary view and imported
glue_scripts module dropped afterwards. The job's output and exit code go back to the client.
"""

import contextlib
import json
import os
import runpy
import signal
import socket
import socketserver
import sys
import threading
import traceback
from pathlib import Path

from pyspark.sql import SparkSession

from glue_scripts.spark_session import configure_spark
from retail_assets.defs.resources.local.glue_runner_client import PIPES_ENV_PREFIX

# Packages imported afresh by every job.
JOB_PACKAGES = ("glue_scripts", "dagster_pipes")
# How often the idle loop looks whether the process that started the runner is still there.
_PARENT_POLL_S = 1.0


class _Frames:
    """A text stream that sends what is written to it to the client as JSON frames of one stream."""

    def __init__(self, connection: socket.socket, stream: str, lock: threading.Lock) -> None:
        self._connection, self._stream, self._lock = connection, stream, lock

    def write(self, text: str) -> int:
        if text:
            send_frame(self._connection, self._lock, {"stream": self._stream, "text": text})
        return len(text)

    def flush(self) -> None:
        pass


def send_frame(connection: socket.socket, lock: threading.Lock, frame: dict) -> None:
    """One JSON line to the client; a client that went away is not an error of the job."""
    with lock, contextlib.suppress(OSError):
        connection.sendall(json.dumps(frame).encode() + b"\n")


class GlueRunner:
    """The warm session and the jobs it may run."""

    def __init__(self, scripts_dir: Path, jobs: list[str]) -> None:
        self.scripts = {job: scripts_dir / f"{job}.py" for job in jobs}
        # The scripts pin the session time zone themselves; the warm session's is only a starting value.
        self.base = configure_spark(None, "UTC")
        self._jobs_run = 0

    def run(self, job: str, argv: list[str], env: dict[str, str], connection: socket.socket) -> int:
        """Run one job's script as __main__ in a fresh session; its exit code."""
        if job not in self.scripts:
            send_frame(
                connection, threading.Lock(), {"stream": "stderr", "text": f"{job} is not a job of this runner\n"}
            )
            return 2
        script = self.scripts[job]
        self._jobs_run += 1
        group = f"glue-job-{self._jobs_run}"
        lock, done = threading.Lock(), threading.Event()
        watcher = threading.Thread(target=self._cancel_when_gone, args=(connection, group, done), daemon=True)
        watcher.start()
        try:
            return self._run_script(
                script, argv, env, group, _Frames(connection, "stdout", lock), _Frames(connection, "stderr", lock)
            )
        finally:
            done.set()

    def _run_script(self, script: Path, argv: list[str], env: dict[str, str], group: str, stdout, stderr) -> int:
        """The script as __main__ with its output sent to the client; its exit code."""
        with (
            self._job_session(group),
            _job_environment(script, argv, env),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            try:
                runpy.run_path(str(script), run_name="__main__")
                return 0
            except SystemExit as exit_:
                if exit_.code is None or isinstance(exit_.code, int):
                    return exit_.code or 0
                print(exit_.code, file=sys.stderr)
                return 1
            except BaseException:  # noqa: BLE001 - the job's failure goes to its client; the runner goes on
                traceback.print_exc()
                return 1

    @contextlib.contextmanager
    def _job_session(self, group: str):
        """A new session of the warm context as the one getOrCreate returns, for as long as the block runs."""
        session = self.base.newSession()
        # PySpark's getOrCreate returns this class attribute when it is set; there is no public setter.
        SparkSession._instantiatedSession = SparkSession._activeSession = session
        self.base.sparkContext.setJobGroup(group, group, interruptOnCancel=True)
        try:
            yield session
        finally:
            session.catalog.clearCache()  # the cache manager is shared by every session of the context
            for view in session.catalog.listTables("global_temp"):
                session.catalog.dropGlobalTempView(view.name)
            SparkSession._instantiatedSession = SparkSession._activeSession = self.base

    def _cancel_when_gone(self, connection: socket.socket, group: str, done: threading.Event) -> None:
        """Cancel the job's Spark work when its client disconnects before the job is done."""
        with contextlib.suppress(OSError):
            connection.recv(1)  # the client sends nothing more: this returns only when it goes away
        if not done.is_set():
            self.base.sparkContext.cancelJobGroup(group)


@contextlib.contextmanager
def _job_environment(script: Path, argv: list[str], env: dict[str, str]):
    """sys.argv, the Pipes variables and fresh imports for one job; restored afterwards."""
    pipes_env = {key: value for key, value in env.items() if key.startswith(PIPES_ENV_PREFIX)}
    saved_argv, saved_env = sys.argv, {key: os.environ.get(key) for key in pipes_env}
    _forget_job_modules()
    sys.argv = [str(script), *argv]
    os.environ.update(pipes_env)
    try:
        yield
    finally:
        sys.argv = saved_argv
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _forget_job_modules()


def _forget_job_modules() -> None:
    """Drop the scripts' modules and Dagster Pipes (its context is a class-level singleton) from sys.modules.

    The next job imports them afresh: no module state passes from one job to the next.
    """
    for name in [name for name in sys.modules if name.split(".")[0] in JOB_PACKAGES]:
        del sys.modules[name]


def serve(socket_path: str, runner: GlueRunner) -> None:
    """Answer requests one at a time until the starting process goes away or the runner is told to stop."""
    parent = os.getppid()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            request = json.loads(self.rfile.readline())
            if request.get("stop"):
                server.stopping = True
                return
            code = runner.run(request["job"], request["argv"], request["env"], self.connection)
            send_frame(self.connection, threading.Lock(), {"exit": code})

    server = socketserver.UnixStreamServer(socket_path, Handler)
    server.stopping = False
    server.timeout = _PARENT_POLL_S
    with server:
        while not server.stopping and os.getppid() == parent:
            server.handle_request()


def main() -> None:
    """Start the warm session, then serve."""
    # Its starter may ignore SIGINT and SIGTERM (ignored signals survive exec): stopping the runner must work.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    socket_path, scripts_dir, *jobs = sys.argv[1:]
    runner = GlueRunner(Path(scripts_dir), jobs)
    serve(socket_path, runner)
    runner.base.stop()


if __name__ == "__main__":
    main()
