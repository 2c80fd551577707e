"""Run a command bound to the process that starts it: its whole process group dies with that process or on SIGINT.

`python -m retail_assets.defs.resources.local.parent_bound <parent pid> <command...>` asks the kernel for SIGTERM
when the parent dies (PR_SET_PDEATHSIG), starts the command in a process group of its own (Spark's JVM and Python
workers join it), and kills that group on SIGTERM or SIGINT (a cancelled run: Pipes sends SIGINT). A process
started in the background here inherits SIGINT ignored, so the handlers are set explicitly; the command starts
with both signals at their defaults.
"""

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def bound_command(command: list[str]) -> list[str]:
    """command, run so that it and every process it starts die with the calling process, or on its SIGINT."""
    return [sys.executable, "-m", __name__, str(os.getpid()), *command]


def _set_parent_death_signal(signum: int) -> None:
    """Have the kernel send signum when the thread that started this process exits (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")


def main(argv: list[str]) -> int:
    """Run the command in its own process group until it exits, or kill the group when told to stop."""
    parent, command = int(argv[0]), argv[1:]
    job: subprocess.Popen | None = None
    stopped_by: list[int] = []

    def stop(signum: int, _frame) -> None:
        stopped_by.append(signum)
        if job is not None:
            os.killpg(job.pid, signal.SIGKILL)  # the job, its JVM and its workers, at once
            sys.exit(128 + signum)
        # Told to stop while the job is being started: it is killed as soon as Popen returns, below.

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)  # handlers reset to the default in the command (exec)
    _set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was set: nobody is left to stop the job
        return 1
    # The job also gets SIGKILL when this process dies: a crash that kills the parent's whole process group kills
    # this wrapper with SIGKILL, which no handler sees, and the job (in a session of its own) would live on. The
    # JVM and Spark's Python workers then end with it (they exit when their parent's pipe closes). preexec_fn is
    # safe here: this process runs no other thread.
    job = subprocess.Popen(
        command,
        start_new_session=True,
        preexec_fn=lambda: _set_parent_death_signal(signal.SIGKILL),  # noqa: PLW1509
    )
    if stopped_by:
        os.killpg(job.pid, signal.SIGKILL)
        return 128 + stopped_by[0]
    return job.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
