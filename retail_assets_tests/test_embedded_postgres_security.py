"""The embedded PostgreSQL trusts no folder or link someone else planted, and hands out no superuser."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from psycopg.conninfo import conninfo_to_dict

from retail_assets.defs.resources.local.warehouse import LocalWarehouse
from retail_assets.settings import get_settings
from retail_assets.warehouse.embedded_server import EmbeddedPostgres
from retail_assets.warehouse.loader import DAILY_SALES_SCHEMA
from retail_assets.warehouse.migrate import migrate
from retail_assets.warehouse.private_paths import UnsafePath, private_dir, remove_tree
from retail_assets.warehouse.roles import ANALYST, LOADER

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: plants files as another user")


@pytest.fixture
def home(embedded_home: Path) -> Path:
    """A fresh home whose server is stopped and deleted afterwards."""
    return embedded_home


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedPostgres]:
    """One running embedded server with the retail tables migrated by the loader."""
    path = Path(tempfile.mkdtemp(prefix="retail-pg-roles-"))
    embedded = EmbeddedPostgres(path)
    try:
        migrate(embedded.url(LOADER))
        yield embedded
    finally:
        embedded.remove()
        shutil.rmtree(path, ignore_errors=True)


def _someone_else() -> pwd.struct_passwd:
    return pwd.getpwnam("nobody")


@as_root
def test_a_postgres_folder_planted_by_another_user_is_refused(home: Path) -> None:
    planted = home / "postgres"
    planted.mkdir()
    os.chown(planted, _someone_else().pw_uid, -1)
    with pytest.raises(UnsafePath, match="owned by uid .* someone else may have planted it"):
        EmbeddedPostgres(home).url()
    assert list(planted.iterdir()) == []  # nothing written into it


def test_a_postgres_folder_others_may_write_is_refused(home: Path) -> None:
    planted = home / "postgres"
    planted.mkdir()
    planted.chmod(0o777)
    with pytest.raises(UnsafePath, match="writable by group or others"):
        EmbeddedPostgres(home).url()
    assert list(planted.iterdir()) == []


def test_a_linked_postgres_folder_is_never_followed(home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "victim"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("precious")
    (home / "postgres").symlink_to(elsewhere)
    with pytest.raises(UnsafePath, match="symbolic link"):
        EmbeddedPostgres(home).url()
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]


def test_a_linked_password_file_is_not_written_through(home: Path, tmp_path: Path) -> None:
    """A link where the password goes is replaced by a new file; its target is untouched."""
    target = tmp_path / "attacker-chosen"
    target.write_text("")
    root = home / "postgres"
    root.mkdir(mode=0o700)
    (root / "password").symlink_to(target)
    server = EmbeddedPostgres(home)
    server.url()
    assert target.read_text() == ""
    assert not server.password_file.is_symlink()
    assert server.password_file.stat().st_mode & 0o777 == 0o600


def test_remove_tree_refuses_a_link_and_removes_links_inside_without_following(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    link = tmp_path / "data"
    link.symlink_to(victim)
    with pytest.raises(UnsafePath, match="symbolic link"):
        remove_tree(link)
    real = tmp_path / "real"
    real.mkdir()
    (real / "inside").symlink_to(victim)
    remove_tree(real)
    assert not real.exists() and (victim / "keep.txt").read_text() == "precious"


def test_an_interrupted_initdb_is_cleaned_without_following_a_link_in_it(home: Path, tmp_path: Path) -> None:
    server = EmbeddedPostgres(home)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    server.root.mkdir(mode=0o700, parents=True)
    server.cluster_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
    server.data_dir.mkdir(mode=0o700)
    (server.data_dir / "escape").symlink_to(victim)  # a half-made cluster, with a link someone put in it
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert (victim / "keep.txt").read_text() == "precious"


def test_home_is_created_private(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    server = EmbeddedPostgres(home)
    try:
        server.url()
        assert home.stat().st_mode & 0o777 == 0o700
        assert server.root.stat().st_mode & 0o777 == 0o700
        # No parent was opened up for the system user.
        assert tmp_path.stat().st_mode & 0o777 == 0o700
    finally:
        server.remove()


def test_every_folder_it_creates_is_printed_with_its_mode_and_owner(tmp_path: Path, capfd) -> None:
    private_dir(tmp_path / "made", 0o711, owner_uid=os.geteuid())
    private_dir(tmp_path / "made", 0o711)  # already there: checked, not created, nothing printed
    out, err = capfd.readouterr()
    assert out == ""  # stdout stays for the URLs warehouse-url prints
    assert err.splitlines() == [f"retail-assets: created {tmp_path / 'made'} (mode 711, owner uid {os.geteuid()})"]
    assert (tmp_path / "made").stat().st_mode & 0o777 == 0o711


def test_the_urls_carry_no_password_and_work_through_their_password_file(server: EmbeddedPostgres) -> None:
    for role in (LOADER, ANALYST):
        url = server.url(role)
        assert conninfo_to_dict(url).get("password") is None
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (role,)


def test_the_loader_owns_the_tables_and_is_no_superuser(server: EmbeddedPostgres) -> None:
    with psycopg.connect(server.url(LOADER)) as conn:
        super_, createrole, createdb = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        owner = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'retail' AND tablename = 'daily_sales'"
        ).fetchone()
        assert (super_, createrole, createdb) == (False, False, False)
        assert owner == (LOADER,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="COPY to or from an external program"):
            conn.execute("COPY (SELECT 1) TO PROGRAM 'id'")


def test_the_analyst_reads_but_cannot_write_or_run_programs(server: EmbeddedPostgres) -> None:
    with psycopg.connect(server.url(LOADER)) as loader:
        loader.execute(
            "INSERT INTO retail.daily_sales (business_date, store_id, product_id, units_sold, units_returned, "
            "gross_revenue, returns_amount, net_revenue, transactions, customers) "
            "VALUES ('2024-01-01', 's1', 'p1', 1, 0, 2, 0, 2, 1, 1) ON CONFLICT DO NOTHING"
        )
    url = server.url(ANALYST)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM retail.daily_sales").fetchone()[0] >= 1
    attempts = {
        "INSERT INTO retail.daily_sales (business_date, store_id, product_id, units_sold, units_returned, "
        "gross_revenue, returns_amount, net_revenue, transactions, customers) "
        "VALUES ('2024-01-02', 's1', 'p1', 1, 0, 2, 0, 2, 1, 1)": "read-only transaction",
        "DELETE FROM retail.daily_sales": "read-only transaction",
        "COPY (SELECT 1) TO PROGRAM 'id'": "COPY to or from an external program",
        "CREATE TABLE public.mine (x int)": "read-only transaction",
    }
    for statement, refusal in attempts.items():
        with psycopg.connect(url) as conn, pytest.raises(psycopg.Error, match=refusal):
            conn.execute(statement)
    # Not only the read-only default: lifting it still leaves no write privilege.
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SET default_transaction_read_only = off")
        conn.execute("BEGIN READ WRITE")
        conn.execute("DELETE FROM retail.daily_sales")


def test_the_local_warehouse_loads_as_the_loader(server: EmbeddedPostgres, monkeypatch) -> None:
    """The pipeline's own path: LocalWarehouse, with no RETAIL_DATABASE_URL, migrates and loads as the loader."""
    monkeypatch.delenv("RETAIL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        warehouse = LocalWarehouse(retail_home=str(server.home))
        assert conninfo_to_dict(warehouse.conninfo())["user"] == LOADER
        row = {
            "business_date": date(2024, 2, 1), "store_id": "s9", "product_id": "p9", "product_name": None,
            "category": None, "brand": None, "units_sold": 3, "units_returned": 0, "gross_revenue": 6,
            "returns_amount": 0, "net_revenue": 6, "transactions": 1, "customers": 1,
        }  # fmt: skip
        result = warehouse.load_days(pa.Table.from_pylist([row], schema=DAILY_SALES_SCHEMA), ["2024-02-01"])
        assert result.rows_inserted == 1
        with psycopg.connect(server.url(ANALYST)) as conn:
            stored = conn.execute("SELECT units_sold FROM retail.daily_sales WHERE store_id = 's9'").fetchall()
        assert stored == [(3,)]
    finally:
        get_settings.cache_clear()
