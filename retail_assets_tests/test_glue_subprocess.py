"""The local Glue job's subprocess (and its Spark JVM) dies with the run process, and stops when the run is cancelled."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from retail_assets_tests.support.constants import PROJECT_ROOT
from retail_assets_tests.support.processes import alive, descendants, wait_until

# A run process that starts the ingest job as LocalGlueJobs.run_job does (bound_command), reports the job's pid, and waits.
RUN_PROCESS = textwrap.dedent(
    """
    import subprocess, sys, time
    from retail_assets.defs.resources.local.parent_bound import bound_command
    from retail_assets.defs.resources.glue import job_arguments, script_path
    arguments = {"JOB_NAME": "ingest_sales", "landing_uri": sys.argv[1], "raw_uri": sys.argv[2],
                 "start_date": "2024-03-01", "end_date": "2024-03-30"}
    job = subprocess.Popen(bound_command([sys.executable, script_path("ingest_sales"), *job_arguments(arguments)]))
    print(job.pid, flush=True)
    if sys.argv[3] == "cancel":
        time.sleep(float(sys.argv[4]))
        job.send_signal(__import__("signal").SIGINT)  # what Dagster's Pipes client does on a cancelled run
        print(job.wait(), flush=True)
    else:
        time.sleep(600)
    """
)


def start_run_process(tmp_path: Path, *mode: str) -> tuple[subprocess.Popen, int]:
    """The run process, started the way background processes here are (SIGINT and SIGTERM ignored), and its job."""
    for day in range(1, 31):  # enough work that the job runs well after its JVM is up
        folder = tmp_path / "landing" / "sales" / f"2024-03-{day:02d}"
        folder.mkdir(parents=True)
        (folder / "store.csv").write_text(f"transaction_id,sold_at\nT1,2024-03-{day:02d} 10:00:00\n")

    def ignore_signals() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.Popen(
        [sys.executable, "-c", RUN_PROCESS, str(tmp_path / "landing"), str(tmp_path / "raw"), *mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=ignore_signals,  # noqa: PLW1509 (this test process starts no threads of its own)
    )
    return run, int(run.stdout.readline())


def test_the_job_and_its_jvm_die_when_the_run_process_is_killed(tmp_path):
    run, job = start_run_process(tmp_path, "wait")
    try:
        # Wait for Spark's JVM under the job: the process that outlived its parent before.
        assert wait_until(
            lambda: any(
                "java" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                for pid in descendants(job)
                if alive(pid)
            ),
            120,
        )
        family = {job, *descendants(job)}
        run.kill()
        run.wait()
        # At once, not when the job would have finished.
        assert wait_until(lambda: not any(alive(pid) for pid in family), 3), [pid for pid in family if alive(pid)]
    finally:
        run.kill()
        for pid in [job, *descendants(job)]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_cancelled_run_stops_the_job_even_where_sigint_was_ignored(tmp_path):
    run, job = start_run_process(tmp_path, "cancel", "3")
    try:
        assert wait_until(lambda: any(alive(pid) for pid in descendants(job)), 60)
        family = descendants(job)
        status = int(run.stdout.readline())
        assert status != 0  # stopped by the signal, not finished
        assert wait_until(lambda: not any(alive(pid) for pid in family), 3), [pid for pid in family if alive(pid)]
    finally:
        run.kill()
        run.wait()
        if alive(job):
            os.kill(job, signal.SIGKILL)
