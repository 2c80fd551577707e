"""The local run launcher: Dagster's default one, plus the worker health check that run monitoring needs."""

import os
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

# What the code server logs once it has started a run's worker process (dagster._grpc.impl).
_STARTED_PROCESS = "Started process for run (pid: "


class LocalRunLauncher(DefaultRunLauncher):
    """Launches runs as the default launcher does; tells run monitoring when a run's worker process is gone."""

    # The default launcher answers no health check, so run monitoring cannot see a worker that died with
    # `dagster dev`: its run would stay STARTED, holding the queue, forever.
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        started = worker_start(self._instance, run.run_id)
        if started is None:
            # Not started by a code server (an in-process run): nothing here can judge it.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no worker process recorded")
        pid, reported_at = started
        if process_alive_since(pid, reported_at):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"worker process {pid} is running")
        return CheckRunHealthResult(WorkerStatus.FAILED, f"worker process {pid} of run {run.run_id} is gone")


def worker_start(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, timestamp) of the last worker process the code server started for the run, or None."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT).records
    for record in reversed(records):
        entry = record.event_log_entry
        if entry.dagster_event and (entry.dagster_event.message or "").startswith(_STARTED_PROCESS):
            pid = entry.dagster_event.event_specific_data.metadata["pid"].value
            return int(pid), entry.timestamp
    return None


def process_alive_since(pid: int, reported_at: float) -> bool:
    """Whether pid is a live process that already existed at reported_at (so not a later one reusing the pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    started = _linux_start_time(pid)
    # Zombies have exited: their parent has not collected them yet.
    return started is None or (started <= reported_at + 1 and not _is_zombie(pid))


def _linux_start_time(pid: int) -> float | None:
    """When pid started, as a Unix time, from /proc (None where there is no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    # The fields after the command name, which is in parentheses and may hold spaces; starttime is field 22.
    fields = stat.rsplit(")", 1)[1].split()
    return int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _is_zombie(pid: int) -> bool:
    """Whether pid has exited and waits for its parent (state Z), where /proc tells."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False
