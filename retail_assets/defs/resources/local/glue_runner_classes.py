"""The class-data archive the local Glue runner's JVM starts from (Java's CDS), written by the first runner.

A JVM spends much of its start loading and verifying Spark's classes. Mapped from an archive, a session's start and
first action took 2.8 s instead of 5.1 s here. Java 17 writes an archive of every class a JVM loaded when that JVM
exits (-XX:ArchiveClassesAtExit; -XX:+AutoCreateSharedArchive only came with Java 19), so a runner that finds none
writes one at its exit (about 6 s, once) and every later runner maps it (-XX:SharedArchiveFile). An archive holds
only what the JDK and the jars it was made from define: its name is a digest of both, the jars' folder included (two
virtualenvs hold the same jar names at different class paths). Another digest's archive is another checkout's, kept
until nobody has used it for a month. The JVM runs without an
archive it finds wrong, which the runner then deletes (the next runner writes a new one); one it cannot read at all
(truncated) stops the JVM: the runner deletes it and starts a JVM that writes a new one.

It lives in the user's cache (`$XDG_CACHE_HOME/retail-assets`, else `~/.cache/retail-assets`), shared by every
RETAIL_HOME and test run of the user, in a folder only the user may write; a JVM maps nothing anybody else could
have written or replaced.
"""

import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The JVM's option parser and spark-submit's split both see the path: plain characters only.
_PLAIN_PATH = re.compile(r"^/[A-Za-z0-9_./-]+$")
_ARCHIVE = re.compile(r"^spark-[0-9a-f]{16}\.jsa$")
_BEING_WRITTEN = re.compile(r"^spark-[0-9a-f]{16}\.([0-9]+)\.tmp$")
# The dump names every class it leaves out (those of signed jars), and a mismatch is not an error: not in the log.
_QUIET = "-Xlog:cds*=off"
# Mapping a file changes none of its times: a runner touches its archive, and one nobody touched for this long goes.
_UNUSED_FOR_S = 30 * 24 * 3600


@dataclass
class ClassArchive:
    """The archive of this JDK and these jars, and, while there is none yet, where this JVM writes one."""

    path: Path
    writing: Path | None

    @property
    def java_options(self) -> str:
        """The JVM options that map the archive, or write it at exit."""
        # A JVM that fails on an archive it cannot read writes a crash report: into the temporary folder, not into
        # the project's (the runner's working folder).
        crash_report = f"-XX:ErrorFile={tempfile.gettempdir()}/retail-glue-hs_err_pid%p.log"
        if self.writing is not None:
            return f"-XX:ArchiveClassesAtExit={self.writing} {_QUIET} {crash_report}"
        return f"-XX:SharedArchiveFile={self.path} {_QUIET} {crash_report}"

    def mapped_by(self, pid: int) -> bool:
        """Whether the process maps the archive (Linux shows it in /proc; elsewhere it is taken as mapped)."""
        maps = Path(f"/proc/{pid}/maps")
        return not maps.exists() or str(self.path) in maps.read_text()

    def discard(self) -> None:
        """Delete an archive the JVM could not start from; this JVM then writes a new one."""
        self.path.unlink(missing_ok=True)
        self.writing = _writing_path(self.path)

    def finish(self, jvm_exit_code: int | None) -> None:
        """Put the archive this JVM wrote in place, if it exited cleanly and wrote one; else delete what it left."""
        if self.writing is None:
            return
        written, self.writing = self.writing, None
        if jvm_exit_code == 0 and written.is_file() and written.stat().st_size > 0:
            written.chmod(0o600)
            os.replace(written, self.path)  # atomic: a JVM starting now maps the old file or the whole new one
        else:
            written.unlink(missing_ok=True)


def class_archive(environ: Mapping[str, str]) -> ClassArchive | None:
    """The archive for the JDK and the Spark jars environ's JVM uses; None where none may be kept safely."""
    folder = archive_folder(environ)
    java = java_binary(environ)
    if folder is None or java is None or not _PLAIN_PATH.match(str(folder)):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    if not _private(folder, stat.S_ISDIR):
        return None
    import pyspark  # the runner's own PySpark: its jars are the JVM's class path

    path = folder / f"spark-{archive_digest(java, Path(pyspark.__file__).resolve().parent / 'jars')}.jsa"
    _remove_leftovers(folder, keep=path.name)
    if _private(path, stat.S_ISREG):
        os.utime(path)
        return ClassArchive(path, None)
    if os.path.lexists(path):  # not ours alone: neither mapped nor replaced
        return None
    return ClassArchive(path, _writing_path(path))


def _writing_path(path: Path) -> Path:
    """Where this process's JVM writes the archive at path before it is moved into place."""
    return path.with_name(f"{path.stem}.{os.getpid()}.tmp")


def archive_folder(environ: Mapping[str, str]) -> Path | None:
    """The user's cache folder of archives (XDG's cache home), or None without a home."""
    cache = environ.get("XDG_CACHE_HOME") or (environ.get("HOME") and os.path.join(environ["HOME"], ".cache"))
    return Path(cache) / "retail-assets" / "spark-classes" if cache and os.path.isabs(cache) else None


def java_binary(environ: Mapping[str, str]) -> Path | None:
    """The java that spark-submit starts: JAVA_HOME's, else the first on PATH (as bin/spark-class chooses)."""
    if environ.get("JAVA_HOME"):
        found = os.path.join(environ["JAVA_HOME"], "bin", "java")
    else:
        found = shutil.which("java", path=environ.get("PATH"))
    return Path(found).resolve() if found and os.path.isfile(found) else None


def archive_digest(java: Path, jars: Path) -> str:
    """What an archive depends on: the JDK's files, and the folder and names of PySpark's jars (the class path)."""
    identity = [str(java), str(java.stat().st_mtime_ns), str(jars), *sorted(p.name for p in jars.glob("*.jar"))]
    libjvm = java.parent.parent / "lib" / "server" / "libjvm.so"
    if libjvm.is_file():
        identity.append(str(libjvm.stat().st_mtime_ns))
    return hashlib.sha256("\n".join(identity).encode()).hexdigest()[:16]


def _private(path: Path, is_kind) -> bool:
    """path is of that kind (not a link), owned by this user, and nobody else may write it."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return is_kind(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _remove_leftovers(folder: Path, keep: str) -> None:
    """Archives of another JDK or jars nobody used for a month, and what a JVM killed while it wrote left."""
    unused_since = time.time() - _UNUSED_FOR_S
    for entry in folder.iterdir():
        writer = _BEING_WRITTEN.match(entry.name)
        stale = bool(_ARCHIVE.match(entry.name)) and entry.name != keep and _modified(entry) < unused_since
        if stale or (writer and not _alive(int(writer.group(1)))):
            entry.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    """When path was last written or touched (now if it is already gone)."""
    try:
        return path.lstat().st_mtime
    except OSError:
        return time.time()


def _alive(pid: int) -> bool:
    """Whether a process of that id runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
