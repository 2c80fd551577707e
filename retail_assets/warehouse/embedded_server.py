"""A real PostgreSQL server that the project starts itself, with its data under one directory."""

from __future__ import annotations

import fcntl
import glob
import logging
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

ROLE = "retail"
DATABASE = "retail"
SYSTEM_USER = "postgres"
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
    """A PostgreSQL server on 127.0.0.1 whose cluster, port, password and log live under `home`/postgres."""

    def __init__(self, home: Path) -> None:
        self.root = Path(home).absolute() / "postgres"
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log_file = self.root / "server.log"
        self.password_file = self.root / "password"
        self.port_file = self.root / "port"
        self.lock_file = self.root / "lock"

    @cached_property
    def bin_dir(self) -> Path:
        """Where this server's PostgreSQL binaries are, looked up on first use."""
        return find_bin_dir()

    def url(self) -> str:
        """Start the server if needed (initialising it on first use) and return the retail database URL."""
        with self._locked():
            if not (self.data_dir / "PG_VERSION").is_file():
                self._initdb()
            port = self._running_port()
            if port is None:
                port = self._start()
            url = self._url(port)
            self._ensure_database(port)
        return url

    def stop(self) -> None:
        """Stop the server if it is running (fast shutdown: open sessions are disconnected)."""
        if not (self.data_dir / "PG_VERSION").is_file():
            return
        with self._locked():
            if self._running_port() is not None:
                self._pg("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60")
                log.info("Stopped embedded PostgreSQL in %s", self.data_dir)

    def running_pid(self) -> int | None:
        """PID of the running postmaster, or None."""
        if self._running_port() is None:
            return None
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on this home so that concurrent processes never both initdb or start."""
        self.root.mkdir(parents=True, exist_ok=True)
        # The system user must traverse this folder to reach data/ and run/, never list or read it.
        self.root.chmod(0o711 if self._as_root() else 0o700)
        with open(self.lock_file, "a") as handle:
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

    def _give_to_system_user(self, *paths: Path) -> None:
        """Make paths owned by the system user when running as root."""
        if self._as_root():
            user = self._system_user()
            for path in paths:
                os.chown(path, user.pw_uid, user.pw_gid)

    def _open_ancestors(self) -> None:
        """As root, let the system user traverse (o+x only) every ancestor of our folder that forbids it."""
        for directory in self.root.parents:
            mode = directory.stat().st_mode
            if not mode & 0o001:
                directory.chmod(mode | 0o001)
                log.info(
                    "Added o+x (traverse only) to %s so that user %r can reach the cluster", directory, SYSTEM_USER
                )

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool, as the system user when we are root."""
        command = [str(self.bin_dir / tool), *args]
        if self._as_root():
            command = ["runuser", "-u", self._system_user().pw_name, "--", *command]
        # cwd: the system user may not be allowed into our current directory (e.g. /root).
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{tool} {args[0] if args else ''} failed (exit {done.returncode}): "
                f"{done.stderr.strip() or done.stdout.strip()}\n{self._log_tail()}"
            )
        return done

    def _initdb(self) -> None:
        """Create the cluster: role retail with a fresh random password, scram-sha-256, 127.0.0.1 only."""
        log.info("Initialising embedded PostgreSQL cluster in %s", self.data_dir)
        if self._as_root():
            self._system_user()
            self._open_ancestors()
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)  # a half-made cluster from an interrupted initdb
        self.data_dir.mkdir(mode=0o700)
        self.socket_dir.mkdir(mode=0o755, exist_ok=True)
        self.log_file.touch(mode=0o640)
        self._give_to_system_user(self.data_dir, self.socket_dir, self.log_file)

        password = secrets.token_urlsafe(24)
        self.password_file.unlink(missing_ok=True)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        # initdb runs as the system user, which must not read our password file: hand it a copy.
        pwfile = self.data_dir.parent / "initdb-password"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        self._give_to_system_user(pwfile)
        try:
            self._pg(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                ROLE,
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C",
                "--auth=scram-sha-256",
            )
        finally:
            pwfile.unlink(missing_ok=True)

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

    def _running_port(self) -> int | None:
        """Port of the running postmaster of this cluster, or None if it is not running."""
        if self._pg("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode != 0:
            return None
        # postmaster.pid line 4 is the port the running server listens on.
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])

    def _choose_port(self) -> int:
        """The remembered port if still free, else a new free one, remembered for next time."""
        if self.port_file.is_file():
            remembered = int(self.port_file.read_text().strip())
            if _port_is_free(remembered):
                return remembered
            log.info("Port %d is taken by another process; choosing another", remembered)
        port = _free_port()
        self.port_file.write_text(f"{port}\n")
        return port

    def _start(self) -> int:
        """Start the postmaster and wait until it accepts connections; return its port."""
        port = self._choose_port()
        if self._as_root():
            self._open_ancestors()  # an ancestor may have been re-tightened since initdb
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
                with psycopg.connect(self._url(port, "postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Embedded PostgreSQL on port {port} not ready after {READY_TIMEOUT_S:.0f}s: "
                        f"{exc}\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.2)

    def _ensure_database(self, port: int) -> None:
        """Create database retail if missing (role retail is the cluster's bootstrap superuser)."""
        with psycopg.connect(self._url(port, "postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                return
            # Identifiers come from constants; CREATE DATABASE cannot take bound parameters.
            conn.execute(f'CREATE DATABASE "{DATABASE}" OWNER "{ROLE}"')

    def _url(self, port: int, database: str = DATABASE) -> str:
        """Connection URL for `database` (the password is URL-safe by construction)."""
        password = self.password_file.read_text().strip()
        return f"postgresql://{ROLE}:{password}@127.0.0.1:{port}/{database}"

    def _log_tail(self, lines: int = 30) -> str:
        """Last lines of the server log, for error messages."""
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return f"(no server log at {self.log_file})"
        return f"Server log ({self.log_file}), last lines:\n" + "\n".join(tail)
