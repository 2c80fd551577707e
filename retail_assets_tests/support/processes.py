"""Servers a test starts as its own process group, with default signals, and stops by its pid."""

import os
import signal
import subprocess

# Runs the rest of its command line in this Python with SIGINT and SIGTERM at their defaults, which a test runner
# may have set to ignored (and ignored signals survive exec). A preexec_fn would do it too, but is unsafe in a
# process with threads.
DEFAULT_SIGNALS_THEN = (
    "import os, signal, sys\n"
    "for sig in (signal.SIGINT, signal.SIGTERM):\n"
    "    signal.signal(sig, signal.SIG_DFL)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)


def stop(process: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True and everything it started (its process group)."""
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
