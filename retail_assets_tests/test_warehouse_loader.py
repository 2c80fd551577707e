"""Migrations and the day-replacing loader of retail.daily_sales, against a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pyarrow as pa
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from retail_assets.defs.resources.environments import local_resources
from retail_assets.settings import settings_from
from retail_assets.warehouse.loader import (
    DAILY_SALES_SCHEMA,
    daily_totals,
    replace_days,
    table_rows,
)
from retail_assets.warehouse.migrate import migrate, migration_files

# Days far from any real data, so the tests can share RETAIL_DATABASE_URL with other suites.
FIRST_DAY = dt.date(1991, 1, 1)
TEST_DAYS = [FIRST_DAY + dt.timedelta(days=n) for n in range(40)]

SCHEMA = DAILY_SALES_SCHEMA


def day(n: int) -> dt.date:
    return TEST_DAYS[n]


def sale(business_date: dt.date, store: str, product: str, net: str = "1.0000", **overrides) -> dict:
    """One daily_sales row; net revenue drives the money columns unless overridden."""
    row = {
        "business_date": business_date,
        "store_id": store,
        "product_id": product,
        "product_name": f"Product {product}",
        "category": "Toys",
        "brand": None,
        "units_sold": 2,
        "units_returned": 0,
        "gross_revenue": Decimal(net),
        "returns_amount": Decimal("0"),
        "net_revenue": Decimal(net),
        "transactions": 1,
        "customers": 1,
    }
    row.update(overrides)
    return row


def table(*rows: dict) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCHEMA)


@pytest.fixture(scope="module")
def db(postgres_url: str) -> Iterator[str]:
    """The session database, migrated; the test days are emptied afterwards."""
    migrate(postgres_url)
    yield postgres_url
    replace_days(postgres_url, table(), TEST_DAYS)


def test_migrate_twice_is_a_noop(db: str) -> None:
    def recorded() -> list[tuple]:
        with psycopg.connect(db) as conn:
            return conn.execute("SELECT version, applied_at FROM retail.schema_migrations ORDER BY version").fetchall()

    before = recorded()
    assert migrate(db) == []
    assert recorded() == before
    assert [version for version, _ in before] == [version for version, _ in migration_files()]


def test_concurrent_migrations_apply_each_file_once(db: str) -> None:
    name = f"retail_migrate_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db, autocommit=True) as admin:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("this role may not create databases")
    fresh = make_conninfo(db, dbname=name)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: migrate(fresh), range(4)))
        expected = [version for version, _ in migration_files()]
        assert sorted(v for applied in results for v in applied) == expected
        with psycopg.connect(fresh) as conn:
            assert conn.execute("SELECT count(*) FROM retail.schema_migrations").fetchone() == (len(expected),)
    finally:
        with psycopg.connect(db, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_replace_days_inserts_rows_exactly(db: str) -> None:
    rows = [
        sale(day(0), "S1", "P1", "19.9900", brand="Acme"),
        sale(
            day(0),
            "S1",
            "P2",
            "-5.5000",
            units_sold=0,
            units_returned=1,
            gross_revenue=Decimal("0"),
            returns_amount=Decimal("5.5"),
        ),
    ]
    result = replace_days(db, table(*rows), [day(0)])
    assert (result.rows_deleted, result.rows_inserted, result.days) == (0, 2, (day(0),))
    assert table_rows(db, [day(0)]) == rows


def test_replacing_a_day_twice_gives_the_same_rows(db: str) -> None:
    rows = table(sale(day(1), "S1", "P1", "3.0000"), sale(day(1), "S2", "P1", "4.0000"))
    replace_days(db, rows, [day(1)])
    first = table_rows(db, [day(1)])
    again = replace_days(db, rows, [day(1)])
    assert (again.rows_deleted, again.rows_inserted) == (2, 2)
    assert table_rows(db, [day(1)]) == first
    assert daily_totals(db, [day(1)])[day(1)]["net_revenue"] == Decimal("7.0000")


def test_fewer_rows_remove_the_old_ones_and_other_days_stay(db: str) -> None:
    replace_days(
        db, table(sale(day(2), "S1", "P1"), sale(day(2), "S1", "P2"), sale(day(3), "S1", "P1")), [day(2), day(3)]
    )
    with psycopg.connect(db) as conn:
        untouched = conn.execute("SELECT * FROM retail.daily_sales WHERE business_date = %s", (day(3),)).fetchall()
    result = replace_days(db, table(sale(day(2), "S1", "P2", "8.0000")), [day(2)])
    assert (result.rows_deleted, result.rows_inserted) == (2, 1)
    assert table_rows(db, [day(2)]) == [sale(day(2), "S1", "P2", "8.0000")]
    with psycopg.connect(db) as conn:
        # Same values and same loaded_at: day 3 was not rewritten.
        assert (
            conn.execute("SELECT * FROM retail.daily_sales WHERE business_date = %s", (day(3),)).fetchall() == untouched
        )


def test_days_without_rows_end_up_empty(db: str) -> None:
    replace_days(db, table(sale(day(4), "S1", "P1"), sale(day(5), "S1", "P1")), [day(4), day(5)])
    result = replace_days(db, table(sale(day(4), "S1", "P1")), [day(4), day(5)])
    assert (result.rows_deleted, result.rows_inserted) == (2, 1)
    totals = daily_totals(db, [day(4), day(5)])
    assert totals[day(4)]["rows"] == 1
    assert totals[day(5)] == {
        "rows": 0,
        "units_sold": 0,
        "units_returned": 0,
        "gross_revenue": Decimal("0"),
        "returns_amount": Decimal("0"),
        "net_revenue": Decimal("0"),
    }


def test_money_stays_exact(db: str) -> None:
    rows = [sale(day(6), "S1", f"P{i}", "0.1000" if i % 2 else "0.2000") for i in range(10)]
    rows.append(sale(day(6), "S2", "BIG", "99999999999999.9999"))
    replace_days(db, table(*rows), [day(6)])
    totals = daily_totals(db, [day(6)])[day(6)]
    # 5 * 0.1 + 5 * 0.2 is 1.5 exactly only if no binary float is involved anywhere.
    assert str(totals["net_revenue"]) == "100000000000001.4999"
    assert str(table_rows(db, [day(6)])[-1]["net_revenue"]) == "99999999999999.9999"


def test_text_round_trips_through_copy(db: str) -> None:
    tricky = ['comma, "quote"', "new\nline", "", "naïve ☕", "\\.", "NULL"]
    rows = [sale(day(7), "S1", f"P{i}", product_name=text) for i, text in enumerate(tricky)]
    rows.append(sale(day(7), "S1", "PX", product_name=None, category=None))
    replace_days(db, table(*rows), [day(7)])
    assert table_rows(db, [day(7)]) == rows


def test_rows_outside_the_days_are_refused(db: str) -> None:
    replace_days(db, table(sale(day(8), "S1", "P1")), [day(8)])
    with pytest.raises(ValueError, match="outside the days"):
        replace_days(db, table(sale(day(8), "S1", "P1"), sale(day(9), "S1", "P1")), [day(8)])
    assert len(table_rows(db, [day(8), day(9)])) == 1


def test_float_money_and_wrong_columns_are_refused(db: str) -> None:
    floats = table(sale(day(10), "S1", "P1")).set_column(10, "net_revenue", pa.array([1.0], pa.float64()))
    with pytest.raises(ValueError, match="decimal128"):
        replace_days(db, floats, [day(10)])
    with pytest.raises(ValueError, match="missing"):
        replace_days(db, table(sale(day(10), "S1", "P1")).drop_columns(["brand"]), [day(10)])


def test_a_failed_load_changes_nothing(db: str) -> None:
    old = [sale(day(11), "S1", "P1")]
    replace_days(db, table(*old), [day(11)])
    duplicate_keys = table(sale(day(11), "S1", "P2"), sale(day(11), "S1", "P2"))
    with pytest.raises(psycopg.errors.UniqueViolation):
        replace_days(db, duplicate_keys, [day(11)])
    assert table_rows(db, [day(11)]) == old


def test_readers_never_see_a_half_loaded_day(db: str) -> None:
    old = [sale(day(12), "S1", "P1", "1.0000"), sale(day(12), "S1", "P2", "2.0000")]
    new = [sale(day(12), "S1", "P1", "10.0000"), sale(day(12), "S9", "P9", "90.0000")]
    replace_days(db, table(*old), [day(12)])
    with ThreadPoolExecutor(max_workers=1) as pool:
        with psycopg.connect(db) as blocker:
            # An uncommitted row with a key of the new data parks the load inside its INSERT,
            # after it has deleted the old rows: the middle of the load, held open on purpose.
            blocker.execute(
                "INSERT INTO retail.daily_sales (business_date, store_id, product_id, units_sold,"
                " units_returned, gross_revenue, returns_amount, net_revenue, transactions, customers)"
                " VALUES (%s, 'S9', 'P9', 0, 0, 0, 0, 0, 0, 0)",
                (day(12),),
            )
            load = pool.submit(replace_days, db, table(*new), [day(12)])
            _wait_for_blocked_insert(db, load)
            assert table_rows(db, [day(12)]) == old
            blocker.rollback()
        result = load.result(timeout=60)
    assert (result.rows_deleted, result.rows_inserted) == (2, 2)
    assert table_rows(db, [day(12)]) == new


def test_concurrent_loads_of_one_day_take_turns(db: str) -> None:
    variants = [table(sale(day(13), "S1", f"P{i}"), sale(day(13), "S2", "P0")) for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda rows: replace_days(db, rows, [day(13)]), variants))
    assert all(result.rows_inserted == 2 for result in results)
    assert daily_totals(db, [day(13)])[day(13)]["rows"] == 2


def _wait_for_blocked_insert(db: str, load, timeout_s: float = 30.0) -> None:
    """Return once the loader's INSERT waits on a lock; fail if the load ends or time runs out."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(db, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if load.done():
                load.result()
                pytest.fail("the load finished although it should have been blocked")
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO retail.daily_sales (%'"
            ).fetchone()[0]
            if waiting:
                return
            time.sleep(0.05)
    pytest.fail("the load never reached its INSERT")


def test_local_warehouse_reads_the_url_from_the_environment_when_a_run_starts(postgres_url, monkeypatch, tmp_path):
    monkeypatch.setenv("RETAIL_DATABASE_URL", postgres_url)
    settings = settings_from({"RETAIL_HOME": str(tmp_path), "RETAIL_DATABASE_URL": postgres_url})
    warehouse = local_resources(settings)["warehouse"]
    # The resource holds the variable, not its value (config is shown in the UI): it cannot be read directly.
    with pytest.raises(RuntimeError, match="RETAIL_DATABASE_URL"):
        str(warehouse.database_url)
    with warehouse.process_config_and_initialize_cm() as ready:
        assert ready.connection() == postgres_url
        assert ready.totals([day(30).isoformat()])[day(30)]["rows"] == 0  # a query on that server, migrated
    assert not (tmp_path / "postgres").exists()  # the given server is used; none was started
