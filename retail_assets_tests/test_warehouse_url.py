"""`retail-assets warehouse-url` prints a read-only analyst's URL by default, and no URL it prints holds a password."""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from retail_assets.settings import PROJECT_ROOT
from retail_assets.warehouse.embedded_server import EmbeddedPostgres
from retail_assets.warehouse.roles import pgpass_passwords

PSQL = shutil.which("psql") or str(EmbeddedPostgres(Path(".")).bin_dir / "psql")


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    """A RETAIL_HOME whose embedded server the CLI starts; stopped and deleted afterwards."""
    path = Path(tempfile.mkdtemp(prefix="retail-url-"))
    try:
        yield path
    finally:
        EmbeddedPostgres(path).remove()
        shutil.rmtree(path, ignore_errors=True)


def warehouse_url(home: Path, *args: str, database_url: str = "") -> str:
    """What the command prints, as the README runs it."""
    env = {**os.environ, "RETAIL_ENV": "local", "RETAIL_HOME": str(home), "RETAIL_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "retail_assets.cli.main", "warehouse-url", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def psql(url: str, query: str) -> subprocess.CompletedProcess:
    """psql "$url" -c query, with no PGPASSWORD or PGPASSFILE of the caller's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    return subprocess.run([PSQL, url, "-Atc", query], env=env, capture_output=True, text=True, check=False)


def test_by_default_the_url_is_the_read_only_analysts_and_holds_no_password(home):
    url = warehouse_url(home)
    assert conninfo_to_dict(url).get("password") is None
    passwords = pgpass_passwords(EmbeddedPostgres(home).pgpass_file)
    assert not [password for password in passwords.values() if password in url]
    assert psql(url, "SELECT current_user").stdout.strip() == "retail_analyst"
    refused = psql(url, "CREATE TABLE public.mine (x int)")
    assert refused.returncode != 0 and "read-only transaction" in refused.stderr


def test_role_loader_gives_the_loader(home):
    url = warehouse_url(home, "--role", "loader")
    assert conninfo_to_dict(url).get("password") is None
    assert psql(url, "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").stdout.strip() == (
        "retail_loader|f"
    )


def test_a_configured_url_is_printed_with_its_password_moved_to_a_private_file(home, postgres_url, tmp_path):
    parts = conninfo_to_dict(postgres_url)
    password = parts.pop("password", None) or pgpass_passwords(Path(parts.pop("passfile")))[parts["user"]]
    configured = make_conninfo("", **parts, password=password)
    other_home = tmp_path / "home"
    url = warehouse_url(other_home, database_url=configured)
    assert password not in url
    passfile = Path(conninfo_to_dict(url)["passfile"])
    assert passfile.parent == other_home and passfile.stat().st_mode & 0o777 == 0o600
    assert psql(url, "SELECT 1").stdout.strip() == "1"
