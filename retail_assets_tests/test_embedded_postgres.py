"""The embedded PostgreSQL server: first start, reuse, restart, port choice, permissions, concurrency."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from retail_assets.warehouse.embedded_server import SERVER_ROOT, EmbeddedPostgres


@pytest.fixture
def home(embedded_home: Path) -> Path:
    """A fresh home whose server is stopped and deleted afterwards."""
    return embedded_home


def _port(url: str) -> int:
    return urlsplit(url).port


def test_first_start_gives_a_working_retail_database(home: Path) -> None:
    server = EmbeddedPostgres(home)
    url = server.url()
    assert urlsplit(url).hostname == "127.0.0.1"
    with psycopg.connect(url) as conn:
        user, database, address, superuser = conn.execute(
            "SELECT current_user, current_database(), host(inet_server_addr()), rolsuper "
            "FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert (user, database, address, superuser) == ("retail_loader", "retail", "127.0.0.1", False)
    assert server.running_pid() is not None


def test_second_instance_reuses_the_running_server(home: Path) -> None:
    url = EmbeddedPostgres(home).url()
    pid = EmbeddedPostgres(home).running_pid()
    again = EmbeddedPostgres(home).url()
    assert again == url
    assert EmbeddedPostgres(home).running_pid() == pid


def test_restart_reuses_the_remembered_port_and_password(home: Path) -> None:
    server = EmbeddedPostgres(home)
    url = server.url()
    server.stop()
    assert server.running_pid() is None
    assert EmbeddedPostgres(home).url() == url


def test_taken_port_is_replaced_by_a_free_one(home: Path) -> None:
    server = EmbeddedPostgres(home)
    old_port = _port(server.url())
    server.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # our own old connections may linger
        squatter.bind(("127.0.0.1", old_port))
        squatter.listen()
        new_url = server.url()
    assert _port(new_url) != old_port
    assert server.port_file.read_text().strip() == str(_port(new_url))
    with psycopg.connect(new_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_password_is_private_and_checked(home: Path) -> None:
    server = EmbeddedPostgres(home)
    url = server.url()
    for private in (server.password_file, server.pgpass_file):
        assert private.stat().st_mode & 0o777 == 0o600
    password = server.password_file.read_text().strip()
    assert len(password) >= 24
    passwords = [line.rsplit(":", 1)[1] for line in server.pgpass_file.read_text().splitlines()]
    assert len(set(passwords)) == 3 and password in passwords
    log = server.log_file.read_text()
    assert not [secret for secret in passwords if secret in log or secret in url]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(make_conninfo(url, passfile=os.devnull, password="wrong-password"), connect_timeout=5)


@pytest.mark.skipif(os.geteuid() != 0, reason="root-only behaviour")
def test_as_root_the_cluster_belongs_to_the_postgres_user(home: Path) -> None:
    server = EmbeddedPostgres(home)
    server.url()
    assert server.data_dir.stat().st_uid == pwd.getpwnam("postgres").pw_uid
    # The cluster is in a server folder of its own; home and our secrets stay closed to the system user.
    assert server.cluster_dir.parent == SERVER_ROOT
    assert server.home.stat().st_mode & 0o777 == 0o700
    assert server.root.stat().st_mode & 0o777 == 0o700


def test_concurrent_first_calls_initialise_and_start_once(home: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        urls = list(pool.map(lambda _: EmbeddedPostgres(home).url(), range(4)))
    # A second initdb would have generated a second password, a second start another pid.
    assert len(set(urls)) == 1
    with psycopg.connect(urls[0]) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def _lose_password_file(server: EmbeddedPostgres) -> None:
    server.password_file.unlink()
    server.pgpass_file.unlink()


def _lose_home_folder(server: EmbeddedPostgres) -> None:
    shutil.rmtree(server.root)  # as root the cluster is in SERVER_ROOT and outlives it


@pytest.mark.parametrize(
    "lose",
    [
        _lose_password_file,
        pytest.param(
            _lose_home_folder, marks=pytest.mark.skipif(os.geteuid() != 0, reason="the cluster is in home otherwise")
        ),
    ],
)
def test_a_cluster_without_its_password_file_is_set_aside_and_made_anew(home: Path, lose) -> None:
    server = EmbeddedPostgres(home)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept_marker (id int)")
    old_pid = server.running_pid()
    lose(server)
    url = EmbeddedPostgres(home).url()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('kept_marker')").fetchone() == (None,)
    assert server.running_pid() not in (None, old_pid)
    # The old cluster's files are moved aside, not deleted.
    (aside,) = server.cluster_dir.glob("data.orphaned-*")
    assert (aside / "PG_VERSION").is_file()
