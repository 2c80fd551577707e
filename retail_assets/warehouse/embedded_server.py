"""A real PostgreSQL server that the project starts itself, with its data under one directory."""

from __future__ import annotations

import fcntl
import glob
import hashlib
import logging
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

import psycopg

from retail_assets.warehouse.private_paths import (
    UnsafePath,
    private_dir,
    read_private_file,
    remove_tree,
    replace_file,
    write_new_file,
)
from retail_assets.warehouse.roles import ADMIN, LOADER, ensure_pgpass, ensure_roles, grant_database

log = logging.getLogger(__name__)

DATABASE = "retail"
SYSTEM_USER = "postgres"
# As root, the cluster lives here, in a folder made for the system user: RETAIL_HOME and its parents stay closed.
SERVER_ROOT = Path("/var/lib/retail-assets")
READY_TIMEOUT_S = 60.0
# Longest Unix socket path the kernel accepts (sun_path is 108 bytes with its NUL).
_MAX_SOCKET_PATH = 107
_INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them "
    "(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql), "
    "set RETAIL_PG_BIN to their directory, or set RETAIL_DATABASE_URL to use an existing server."
)


def find_bin_dir() -> Path:
    """Directory holding initdb and pg_ctl: RETAIL_PG_BIN, then pg_config --bindir, then /usr/lib/postgresql."""
    configured = os.environ.get("RETAIL_PG_BIN")
    if configured:
        if not (Path(configured) / "initdb").is_file():
            raise RuntimeError(f"RETAIL_PG_BIN={configured} has no initdb. {_INSTALL_HINT}")
        return Path(configured)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if out.returncode == 0 and (candidate / "initdb").is_file():
            return candidate
    # Debian installs server binaries outside PATH, one folder per major version.
    versions = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").is_file()]
    if versions:
        return max(versions, key=lambda p: _version_key(p.parent.name))
    raise RuntimeError(_INSTALL_HINT)


def _version_key(name: str) -> tuple[int, ...]:
    """Sort key for version folder names such as '9.6' or '16'."""
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    """Whether 127.0.0.1:port can be bound by a listening server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL does: connections of our own last run lingering in TIME_WAIT must not count as taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _conf_quote(value: str) -> str:
    """A postgresql.conf string literal."""
    return "'" + value.replace("'", "''") + "'"


class EmbeddedPostgres:
    """A PostgreSQL server on 127.0.0.1 whose secrets, port and lock live under `home`/postgres."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home).absolute()
        self.root = self.home / "postgres"
        self.password_file = self.root / "password"  # the superuser's
        self.pgpass_file = self.root / "pgpass"  # every role's, for libpq (URLs carry no password)
        self.port_file = self.root / "port"
        self.lock_file = self.root / "lock"
        # Root cannot run PostgreSQL: the cluster then goes to a server folder the system user owns.
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:16]
        self.cluster_dir = SERVER_ROOT / digest if self._as_root() else self.root
        self.data_dir = self.cluster_dir / "data"
        self.socket_dir = self.cluster_dir / "run"
        self.log_file = self.cluster_dir / "server.log"

    @cached_property
    def bin_dir(self) -> Path:
        """Where this server's PostgreSQL binaries are, looked up on first use."""
        return find_bin_dir()

    def url(self, role: str = LOADER) -> str:
        """Start the server if needed (initialising it on first use) and return role's URL for database retail."""
        with self._locked():
            if (self.data_dir / "PG_VERSION").is_file() and not os.path.lexists(self.password_file):
                self._set_aside_orphaned_cluster()
            if not (self.data_dir / "PG_VERSION").is_file():
                self._initdb()
            passwords = ensure_pgpass(self.pgpass_file, read_private_file(self.password_file).strip())
            port = self._running_port()
            if port is None:
                port = self._start()
            self._set_up(port, passwords)
        return self._url(port, role)

    def stop(self) -> None:
        """Stop the server if it is running (fast shutdown: open sessions are disconnected)."""
        if not (self.data_dir / "PG_VERSION").is_file():
            return
        with self._locked():
            self._stop_if_running()

    def _stop_if_running(self) -> None:
        """Fast shutdown of this cluster's postmaster, if one runs; the caller holds the lock."""
        if self._running_port() is not None:
            self._pg("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60")
            log.info("Stopped embedded PostgreSQL in %s", self.data_dir)

    def remove(self) -> None:
        """Stop the server and delete its cluster (the server folder too, when it is outside home)."""
        self.stop()
        remove_tree(self.cluster_dir)

    def running_pid(self) -> int | None:
        """PID of the running postmaster, or None."""
        if self._running_port() is None:
            return None
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on this home so that concurrent processes never both initdb or start."""
        private_dir(self.home)
        private_dir(self.root)
        if self._as_root():
            private_dir(SERVER_ROOT, 0o711)  # the system user traverses it, never lists it
            private_dir(self.cluster_dir, 0o711)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _as_root(self) -> bool:
        """Whether this process is root, which PostgreSQL refuses to run as."""
        return os.geteuid() == 0

    def _system_user(self) -> pwd.struct_passwd:
        """The account that owns the cluster when we run as root, created if missing."""
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            log.info("Creating system user %r to run PostgreSQL (it refuses to run as root)", SYSTEM_USER)
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--user-group",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    SYSTEM_USER,
                ],
                check=True,
            )
            return pwd.getpwnam(SYSTEM_USER)

    def _server_owner(self) -> tuple[int, int]:
        """(uid, gid) the cluster's files belong to: the system user as root, else us."""
        if self._as_root():
            user = self._system_user()
            return user.pw_uid, user.pw_gid
        return os.geteuid(), os.getegid()

    def _pg(
        self, tool: str, *args: str, check: bool = True, stdin: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool, as the system user when we are root."""
        command = [str(self.bin_dir / tool), *args]
        if self._as_root():
            command = ["runuser", "-u", self._system_user().pw_name, "--", *command]
        # cwd: the system user may enter the cluster folder, not our current directory (e.g. /root).
        done = subprocess.run(command, cwd=self.cluster_dir, stdin=stdin, capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{tool} {args[0] if args else ''} failed (exit {done.returncode}): "
                f"{done.stderr.strip() or done.stdout.strip()}\n{self._log_tail()}"
            )
        return done

    def _set_aside_orphaned_cluster(self) -> None:
        """Stop a cluster whose superuser password file is gone and move it aside, so a new one can be made."""
        # Without its password no one can log in to it (as root the cluster outlives a deleted home in
        # SERVER_ROOT). Its files are kept, not deleted: the warehouse tables are reloaded from the lakehouse.
        self._stop_if_running()
        aside = self.cluster_dir / f"data.orphaned-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        self.data_dir.rename(aside)
        log.warning(
            "The PostgreSQL cluster in %s has no superuser password file (%s); it was stopped and moved to %s, "
            "and a new cluster is created",
            self.data_dir,
            self.password_file,
            aside,
        )

    def _initdb(self) -> None:
        """Create the cluster: superuser retail with a fresh random password, scram-sha-256, 127.0.0.1 only."""
        log.info("Initialising embedded PostgreSQL cluster in %s", self.data_dir)
        uid, gid = self._server_owner()
        remove_tree(self.data_dir)  # a half-made cluster from an interrupted initdb
        private_dir(self.data_dir, 0o700, uid)
        private_dir(self.socket_dir, 0o700, uid)
        self._ensure_log_file(uid, gid)
        password = secrets.token_urlsafe(24)
        self.password_file.unlink(missing_ok=True)  # unlink removes a planted link itself, not what it names
        self.pgpass_file.unlink(missing_ok=True)  # its other roles' passwords belong to the old cluster
        write_new_file(self.password_file, password)
        self._pg(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            ADMIN,
            "--pwfile=/dev/stdin",
            "-E",
            "UTF8",
            "--locale=C",
            "--auth=scram-sha-256",
            stdin=self._password_pipe(password, uid, gid),
        )
        socket_path = str(self.socket_dir / ".s.PGSQL.65535")
        # Unix sockets are a convenience for psql; a path too long for the kernel would stop the server.
        sockets = str(self.socket_dir) if len(socket_path) <= _MAX_SOCKET_PATH else ""
        if not sockets:
            log.info("Unix socket disabled: %s is too long for a socket path", socket_path)
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write("\n# retail_assets embedded server\n")
            conf.write("listen_addresses = '127.0.0.1'\n")
            conf.write(f"unix_socket_directories = {_conf_quote(sockets)}\n")
        (self.data_dir / "pg_hba.conf").write_text(
            "# retail_assets embedded server: password (SCRAM) logins only\n"
            "local all all scram-sha-256\n"
            "host  all all 127.0.0.1/32 scram-sha-256\n"
        )

    def _ensure_log_file(self, uid: int, gid: int) -> None:
        """The server log: created new for the server's owner, or an existing regular file of theirs."""
        if not os.path.lexists(self.log_file):
            write_new_file(self.log_file, "", (uid, gid))
            return
        info = os.lstat(self.log_file)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != uid:
            raise UnsafePath(f"{self.log_file} is not a regular file of uid {uid}: remove it and retry")

    def _password_pipe(self, password: str, uid: int, gid: int) -> int:
        """A pipe holding password for initdb's --pwfile=/dev/stdin: the password is in no file at all."""
        read_end, write_end = os.pipe()
        os.fchown(read_end, uid, gid)  # the system user must be allowed to reopen it as /dev/stdin
        os.write(write_end, f"{password}\n".encode())
        os.close(write_end)
        return read_end

    def _running_port(self) -> int | None:
        """Port of the running postmaster of this cluster, or None if it is not running."""
        if self._pg("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode != 0:
            return None
        # postmaster.pid line 4 is the port the running server listens on.
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])

    def _choose_port(self) -> int:
        """The remembered port if still free, else a new free one, remembered for next time."""
        if self.port_file.exists() or self.port_file.is_symlink():
            remembered = int(read_private_file(self.port_file).strip())
            if _port_is_free(remembered):
                return remembered
            log.info("Port %d is taken by another process; choosing another", remembered)
        port = _free_port()
        replace_file(self.port_file, f"{port}\n")
        return port

    def _start(self) -> int:
        """Start the postmaster and wait until it accepts connections; return its port."""
        port = self._choose_port()
        log.info(
            "Starting embedded PostgreSQL on 127.0.0.1:%d (data in %s, log in %s)", port, self.data_dir, self.log_file
        )
        started = time.monotonic()
        self._pg(
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            str(int(READY_TIMEOUT_S)),
            "-o",
            f"-p {port}",
        )
        self._wait_ready(port, started + READY_TIMEOUT_S)
        log.info("Embedded PostgreSQL ready in %.1fs", time.monotonic() - started)
        return port

    def _wait_ready(self, port: int, deadline: float) -> None:
        """Retry connecting until the server answers or the deadline passes."""
        while True:
            try:
                with psycopg.connect(self._admin_url(port, "postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Embedded PostgreSQL on port {port} not ready after {READY_TIMEOUT_S:.0f}s: "
                        f"{exc}\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.2)

    def _set_up(self, port: int, passwords: dict[str, str]) -> None:
        """As the superuser: the roles, database retail owned by the loader, the analyst's grants."""
        ensure_roles(self._admin_url(port, "postgres"), passwords)
        with psycopg.connect(self._admin_url(port, "postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                # Identifiers come from constants; CREATE DATABASE cannot take bound parameters.
                conn.execute(f'CREATE DATABASE "{DATABASE}" OWNER "{LOADER}"')
        grant_database(self._admin_url(port, DATABASE), DATABASE)

    def _admin_url(self, port: int, database: str) -> str:
        """The superuser's URL, for set-up."""
        return self._url(port, ADMIN, database)

    def _url(self, port: int, role: str, database: str = DATABASE) -> str:
        """role's URL: the password stays in the 0600 password file it names, out of every command line."""
        return f"postgresql://{role}@127.0.0.1:{port}/{database}?passfile={quote(str(self.pgpass_file))}"

    def _log_tail(self, lines: int = 30) -> str:
        """Last lines of the server log, for error messages."""
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return f"(no server log at {self.log_file})"
        return f"Server log ({self.log_file}), last lines:\n" + "\n".join(tail)
