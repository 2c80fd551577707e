"""The local Glue runner: one warm Spark session that runs Glue job scripts one after another, like a Glue
interactive session. `python -m retail_assets.defs.resources.local.glue_runner SOCKET SCRIPTS_DIR JOB...`.

Each request (from glue_runner_client.py, the Pipes subprocess) names a job and brings its argv and Pipes
environment; the script's `__main__` runs in a new Spark session of the warm SparkContext, and what it leaves behind
is undone before the next job (glue_runner_isolation.py). The job's output and exit code go back to the client.
A client that goes away before its job ends (a killed or cancelled run) ends the runner with its JVM and workers:
the job stops at once, as a job in its own JVM would, and the next job gets a new runner (glue_runner_process.py).
"""

import contextlib
import json
import os
import runpy
import shlex
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import traceback
from pathlib import Path

from pyspark import SparkContext
from pyspark.errors import PySparkRuntimeError
from pyspark.sql import SparkSession

from glue_scripts.spark_session import configure_spark
from retail_assets.defs.resources.local.glue_runner_classes import ClassArchive, class_archive
from retail_assets.defs.resources.local.glue_runner_client import PIPES_ENV_PREFIX
from retail_assets.defs.resources.local.glue_runner_isolation import job_process_state, job_session

# How often the idle loop looks whether the process that started the runner is still there.
_PARENT_POLL_S = 1.0
# Writing the class-data archive at the JVM's exit takes about 6 s here.
_JVM_EXIT_TIMEOUT_S = 45.0


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

    def __init__(self, scripts_dir: Path, jobs: list[str], archive: ClassArchive | None = None) -> None:
        self.scripts = {job: scripts_dir / f"{job}.py" for job in jobs}
        self._archive = archive
        self.base = self._start_session()
        self._jobs_run = 0
        self._succeeded: set[str] = set()

    def _start_session(self) -> SparkSession:
        """The warm session, its JVM started from the class-data archive; without it if the JVM cannot read it."""
        # The scripts pin the session time zone themselves; the warm session's is only a starting value.
        if self._archive is None:
            return configure_spark(None, "UTC")
        archive = self._archive
        try:
            session = _session_with_java_options(archive.java_options)
        except PySparkRuntimeError:
            if archive.writing is not None:
                raise  # no archive was read: it is not the archive's fault
            print(f"the JVM did not start from {archive.path}: deleted, a new one is written", flush=True)
            archive.discard()
            return _session_with_java_options(archive.java_options)
        if archive.writing is None and not archive.mapped_by(SparkContext._gateway.proc.pid):
            print(f"the JVM found {archive.path} wrong and started without it: deleted", flush=True)
            archive.path.unlink(missing_ok=True)
            self._archive = None
        return session

    def stop(self) -> None:
        """Stop the session and its JVM; a JVM that wrote a class-data archive at its exit puts it in place.

        Only a runner whose every job succeeded writes one: its JVM loaded the classes of all of them (the
        pipeline's ingest and clean), which a runner stopped after its first job, or a failed one, did not.
        """
        self.base.stop()
        gateway = SparkContext._gateway.proc  # the JVM that PySpark started, watching its stdin
        if self._archive is not None and self._archive.writing is not None and self._succeeded != set(self.scripts):
            gateway.kill()  # no archive of a part of the jobs' classes: the JVM is not given the time to write it
        gateway.stdin.close()  # the JVM exits on its end (System.exit: it writes the archive first)
        try:
            code = gateway.wait(_JVM_EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            gateway.kill()
            code = gateway.wait()
        if self._archive is not None:
            self._archive.finish(code)

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
        watcher = threading.Thread(target=self._stop_when_gone, args=(connection, job, done), daemon=True)
        watcher.start()
        try:
            code = self._run_script(
                script, argv, env, group, _Frames(connection, "stdout", lock), _Frames(connection, "stderr", lock)
            )
        finally:
            done.set()
        if code == 0:
            self._succeeded.add(job)
        return code

    def _run_script(self, script: Path, argv: list[str], env: dict[str, str], group: str, stdout, stderr) -> int:
        """The script as __main__ with its output sent to the client; its exit code."""
        pipes_env = {key: value for key, value in env.items() if key.startswith(PIPES_ENV_PREFIX)}
        with (
            job_session(self.base, group),
            job_process_state(script, argv, pipes_env),
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

    @staticmethod
    def _stop_when_gone(connection: socket.socket, job: str, done: threading.Event) -> None:
        """End the runner's process group (this process, its JVM, its Python workers) if the client goes first.

        Cancelling the Spark job group alone would let the script's Python go on to its next action; a new
        runner is cheaper than proving every script stops cleanly half-way.
        """
        with contextlib.suppress(OSError):
            connection.recv(1)  # the client sends nothing more: this returns only when it goes away
        if not done.is_set():
            # Not sys.stderr: it is the job's, redirected to the client that is gone.
            os.write(2, f"the client of {job} went away before it ended: the runner stops\n".encode())
            if os.getpgrp() == os.getpid():  # started by parent_bound: the group is the runner's alone
                os.killpg(os.getpgrp(), signal.SIGKILL)
            os._exit(3)  # otherwise the JVM ends when this process does (PySpark's gateway watches its stdin)


def _session_with_java_options(options: str) -> SparkSession:
    """The warm session, its driver JVM started with options; the jobs see the environment the runner was given."""
    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS", "pyspark-shell")
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-java-options {shlex.quote(options)} {submit_args}"
    try:
        return configure_spark(None, "UTC")
    finally:
        os.environ["PYSPARK_SUBMIT_ARGS"] = submit_args


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
    runner = GlueRunner(Path(scripts_dir), jobs, class_archive(os.environ))
    serve(socket_path, runner)
    runner.stop()


if __name__ == "__main__":
    main()
