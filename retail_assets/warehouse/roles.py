"""The embedded warehouse's roles: the bootstrap superuser for set-up, an owner that loads, a read-only analyst."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
from psycopg import sql

from retail_assets.warehouse.private_paths import read_private_file, replace_file

ADMIN = "retail"  # the cluster's bootstrap superuser: set-up only, never handed out
LOADER = "retail_loader"  # owns the database and its tables; no superuser, cannot create roles or databases
ANALYST = "retail_analyst"  # reads retail.*; every transaction read-only
ROLES_BY_NAME = {"loader": LOADER, "analyst": ANALYST}
_LIMITS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def pgpass_line(role: str, password: str) -> str:
    """A libpq password-file line for role on 127.0.0.1, any port and database (passwords are URL-safe)."""
    return f"127.0.0.1:*:*:{role}:{password}\n"


def pgpass_passwords(path: Path) -> dict[str, str]:
    """role -> password from a password file we wrote (none when there is no file)."""
    if not path.exists() and not path.is_symlink():
        return {}
    passwords = {}
    for line in read_private_file(path).splitlines():
        role, password = line.split(":", 4)[3:]
        passwords[role] = password
    return passwords


def ensure_pgpass(path: Path, admin_password: str) -> dict[str, str]:
    """The password file with a line per role, new passwords made for roles it lacks; role -> password."""
    passwords = pgpass_passwords(path)
    wanted = {
        ADMIN: admin_password,
        **{role: passwords.get(role) or secrets.token_urlsafe(24) for role in (LOADER, ANALYST)},
    }
    if wanted != passwords:
        replace_file(path, "".join(pgpass_line(role, password) for role, password in wanted.items()))
    return wanted


def ensure_roles(admin_conninfo: str, passwords: dict[str, str]) -> None:
    """Create the loader and the analyst when missing (passwords sent SCRAM-hashed, never as text)."""
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        for role in (LOADER, ANALYST):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                continue
            # Hashed here by libpq, so the password is in no statement the server could log.
            verifier = conn.pgconn.encrypt_password(passwords[role].encode(), role.encode(), b"scram-sha-256")
            conn.execute(
                sql.SQL("CREATE ROLE {} " + _LIMITS + " PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(verifier.decode())
                )
            )
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(ANALYST)))


def grant_database(admin_conninfo: str, database: str) -> None:
    """The loader owns database and schema retail with its tables; the analyst may read them and nothing else."""
    loader, analyst, db = sql.Identifier(LOADER), sql.Identifier(ANALYST), sql.Identifier(database)
    with psycopg.connect(admin_conninfo, dbname=database, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, loader))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, analyst))
        conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        conn.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT USAGE ON SCHEMAS TO {}").format(loader, analyst)
        )
        conn.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT SELECT ON TABLES TO {}").format(loader, analyst)
        )
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'retail'").fetchone():
            # A cluster made before these roles existed: its schema and tables belong to the superuser.
            conn.execute(sql.SQL("ALTER SCHEMA retail OWNER TO {}").format(loader))
            owned_by_others = conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'retail' AND c.relkind IN ('r', 'p', 'v') "
                "AND pg_get_userbyid(c.relowner) <> %s",
                (LOADER,),
            ).fetchall()
            for (table,) in owned_by_others:
                conn.execute(sql.SQL("ALTER TABLE retail.{} OWNER TO {}").format(sql.Identifier(table), loader))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA retail TO {}").format(analyst))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA retail TO {}").format(analyst))
