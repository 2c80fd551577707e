"""Timing a command and the peak memory of its whole process tree (a Spark JVM is a child of the Python process)."""

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psutil

# Reading a process's PSS walks its memory map (a JVM has thousands of entries): twice a second keeps the
# sampler's own CPU time small next to the run it measures.
_SAMPLE_S = 0.5
# Runs its arguments as a command with SIGINT and SIGTERM at their defaults, which the shell that started the
# benchmark may have set to ignored (ignored signals survive exec); a preexec_fn is unsafe with threads.
DEFAULT_SIGNALS_THEN = (
    "import os, signal, sys\n"
    "for sig in (signal.SIGINT, signal.SIGTERM):\n"
    "    signal.signal(sig, signal.SIG_DFL)\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


@dataclass(frozen=True)
class Measured:
    """A command's wall time, the peak memory of its process tree (proportional set size), and its output."""

    seconds: float
    peak_bytes: int
    output: str


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run command to completion, sampling the memory of it and every descendant; RuntimeError if it fails."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", DEFAULT_SIGNALS_THEN, *command],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own session: a runner or JVM it leaves behind is found by the tree walk, never by name.
        start_new_session=True,
    ) as process:
        peak = 0
        output: list[str] = []
        root = psutil.Process(process.pid)
        # Drained in a thread, so a full pipe never blocks the command.
        reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
        reader.start()
        while process.poll() is None:
            peak = max(peak, _tree_memory(root))
            time.sleep(_SAMPLE_S)
        reader.join()
    seconds = time.perf_counter() - started
    text = "".join(output)
    if process.returncode != 0:
        raise RuntimeError(f"{command[:2]} exited with {process.returncode}:\n{text[-4000:]}")
    return Measured(seconds, peak, text)


def _tree_memory(root: psutil.Process) -> int:
    """Bytes a process and all its descendants hold now (0 for those that just ended).

    PSS, not RSS: Spark's Python workers are forked from one daemon and share its pages, which a sum of RSS would
    count once per worker.
    """
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except psutil.Error:
            pass
    return total
