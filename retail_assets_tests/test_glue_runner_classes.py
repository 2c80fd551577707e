"""The class-data archive of the Glue runner's JVM: written once, mapped by later runners, never trusted blindly."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retail_assets.defs.resources.local.glue_runner_classes import archive_digest, class_archive, java_binary
from retail_assets.defs.resources.local.glue_runner_process import GlueRunnerProcess
from retail_assets_tests.support.constants import PROJECT_ROOT
from retail_assets_tests.support.processes import descendants

PROBE = "from pyspark.sql import SparkSession\nprint(SparkSession.builder.getOrCreate().range(10).count())\n"
FAIL = "raise ValueError('a job that fails')\n"
DEAD_PID = 2**22 + 1  # above Linux's pid_max: no process has it


def cache_env(cache: Path) -> dict[str, str]:
    """This environment with the user's cache folder moved to cache."""
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def test_the_first_runner_writes_the_archive_in_a_folder_only_the_user_may_write(tmp_path):
    archive = class_archive(cache_env(tmp_path))
    folder = tmp_path / "retail-assets" / "spark-classes"
    assert archive.path.parent == folder and archive.path.name.endswith(".jsa")
    assert archive.writing == folder / f"{archive.path.stem}.{os.getpid()}.tmp"
    assert "-XX:ArchiveClassesAtExit=" + str(archive.writing) in archive.java_options
    assert folder.stat().st_mode & 0o077 == 0


def test_an_archive_written_is_put_in_place_only_after_a_clean_exit(tmp_path):
    archive = class_archive(cache_env(tmp_path))
    archive.writing.write_bytes(b"classes")
    archive.finish(jvm_exit_code=0)
    assert archive.path.read_bytes() == b"classes" and archive.path.stat().st_mode & 0o777 == 0o600
    again = class_archive(cache_env(tmp_path))
    assert again.writing is None and f"-XX:SharedArchiveFile={again.path}" in again.java_options

    again.path.unlink()
    crashed = class_archive(cache_env(tmp_path))
    crashed.writing.write_bytes(b"half an archive")
    crashed.finish(jvm_exit_code=-9)
    assert list(crashed.path.parent.iterdir()) == []


@pytest.mark.parametrize("planted", ["group_writable", "link"])
def test_an_archive_anybody_else_could_have_written_is_neither_mapped_nor_replaced(tmp_path, planted):
    folder = tmp_path / "retail-assets" / "spark-classes"
    path = class_archive(cache_env(tmp_path)).path
    if planted == "link":
        (tmp_path / "elsewhere.jsa").write_bytes(b"classes")
        path.symlink_to(tmp_path / "elsewhere.jsa")
    else:
        path.write_bytes(b"classes")
        path.chmod(0o666)
    assert class_archive(cache_env(tmp_path)) is None
    assert os.path.lexists(path)
    folder.chmod(0o777)
    path.unlink()
    assert class_archive(cache_env(tmp_path)) is None  # nor is one in a folder others may write


def test_unused_archives_of_other_checkouts_and_leftovers_of_killed_writers_are_removed(tmp_path):
    path = class_archive(cache_env(tmp_path)).path
    unused_other = path.with_name("spark-0123456789abcdef.jsa")
    used_other = path.with_name("spark-fedcba9876543210.jsa")
    killed_writer = path.with_name(f"{path.stem}.{DEAD_PID}.tmp")
    running_writer = path.with_name(f"{path.stem}.{os.getppid()}.tmp")
    for leftover in (unused_other, used_other, killed_writer, running_writer):
        leftover.write_bytes(b"classes")
    a_month_ago = time.time() - 31 * 24 * 3600
    os.utime(unused_other, (a_month_ago, a_month_ago))
    class_archive(cache_env(tmp_path))
    assert not unused_other.exists() and not killed_writer.exists()
    assert used_other.exists() and running_writer.exists()


def test_a_runner_touches_the_archive_it_maps(tmp_path):
    archive = class_archive(cache_env(tmp_path))
    archive.writing.write_bytes(b"classes")
    archive.finish(jvm_exit_code=0)
    a_week_ago = time.time() - 7 * 24 * 3600
    os.utime(archive.path, (a_week_ago, a_week_ago))
    class_archive(cache_env(tmp_path))
    assert archive.path.stat().st_mtime > a_week_ago + 3600


def test_two_folders_of_the_same_jars_have_archives_of_their_own(tmp_path):
    java = java_binary(os.environ)
    for checkout in ("one", "two"):
        (tmp_path / checkout / "jars").mkdir(parents=True)
        (tmp_path / checkout / "jars" / "spark-core_2.12-3.5.3.jar").write_bytes(b"")
    assert archive_digest(java, tmp_path / "one" / "jars") != archive_digest(java, tmp_path / "two" / "jars")


def test_without_a_home_or_with_an_unplain_path_there_is_no_archive(tmp_path):
    assert class_archive({"PATH": os.environ["PATH"]}) is None
    assert class_archive({**os.environ, "XDG_CACHE_HOME": str(tmp_path / "a b")}) is None


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> Path:
    """A folder of a job that runs a Spark action and one that fails."""
    folder = tmp_path_factory.mktemp("scripts")
    (folder / "probe.py").write_text(PROBE)
    (folder / "fail.py").write_text(FAIL)
    return folder


def run_jobs(cache: Path, scripts: Path, jobs: list[str]) -> tuple[list[int], str]:
    """Start a runner for jobs, run each once, stop it; the jobs' exit codes and what its JVM had mapped."""
    env = {**cache_env(cache), "PYTHONPATH": str(PROJECT_ROOT), "PYSPARK_PYTHON": sys.executable}
    runner = GlueRunnerProcess(env, scripts, jobs)
    try:
        codes = []
        for job in jobs:
            codes.append(_run(runner, job))
        jvms = [pid for pid in descendants(runner.process.pid) if b"java" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(jvms) == 1, jvms
        mapped = Path(f"/proc/{jvms[0]}/maps").read_text()
    finally:
        runner.stop()
    assert runner.process.returncode == 0
    return codes, mapped


def _run(runner: GlueRunnerProcess, job: str) -> int:
    """A job's exit code, run through the client as the Pipes subprocess does."""
    command = runner.client_command(job, [])
    return subprocess.run(command, check=False, capture_output=True, timeout=600).returncode


def test_a_runner_whose_jobs_all_succeeded_writes_the_archive_and_the_next_runner_maps_it(tmp_path, scripts):
    path = class_archive(cache_env(tmp_path)).path
    codes, mapped = run_jobs(tmp_path, scripts, ["probe"])
    assert codes == [0] and str(path) not in mapped
    assert path.stat().st_size > 10_000_000  # Spark's classes, not an empty file
    assert [p.name for p in path.parent.iterdir()] == [path.name]

    codes, mapped = run_jobs(tmp_path, scripts, ["probe"])
    assert codes == [0] and str(path) in mapped


def test_a_runner_with_a_failed_job_writes_no_archive(tmp_path, scripts):
    codes, _ = run_jobs(tmp_path, scripts, ["probe", "fail"])
    assert codes == [0, 1]
    assert list((tmp_path / "retail-assets" / "spark-classes").iterdir()) == []


def test_an_archive_the_jvm_cannot_use_is_deleted_and_the_jobs_still_run(tmp_path, scripts):
    path = class_archive(cache_env(tmp_path)).path
    assert run_jobs(tmp_path, scripts, ["probe"])[0] == [0]
    written = path.stat().st_size

    with path.open("r+b") as archive:
        archive.truncate(written // 2)  # a truncated archive stops a JVM that maps it
    codes, mapped = run_jobs(tmp_path, scripts, ["probe"])
    assert codes == [0] and str(path) not in mapped
    assert path.stat().st_size > written // 2  # written anew by the JVM started without it
    assert not list(Path(PROJECT_ROOT).glob("hs_err_pid*.log"))  # the crash report is in the temporary folder

    path.write_bytes(b"\0" * 4096)  # a wrong header: the JVM runs without it
    codes, mapped = run_jobs(tmp_path, scripts, ["probe"])
    assert codes == [0] and str(path) not in mapped
    assert not path.exists()  # the next runner writes a new one
