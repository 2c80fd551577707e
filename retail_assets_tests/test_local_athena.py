"""The local Athena: the project's SQL on DuckDB replaces exactly the days it is given."""

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from retail_assets.defs.resources import athena as athena_role
from retail_assets.defs.resources.athena import SQL_DIR, InsertStatement, load_insert
from retail_assets.defs.resources.local import athena as athena_module
from retail_assets.defs.resources.local.athena import LocalAthena
from retail_assets.defs.resources.local.crawler import LocalCrawler
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets_tests.support.lake_builders import CLEANED_SCHEMA


def cleaned_line(transaction, store, product, quantity, price, customer=None, name=None, discount="0"):
    """One cleaned row; line_amount computed the way DESIGN.md says."""
    price, discount = Decimal(price), Decimal(discount)
    return {
        "transaction_id": transaction,
        "store_id": store,
        "product_id": product,
        "product_name": name,
        "category": "GROCERY" if name else None,
        "brand": None,
        "quantity": quantity,
        "unit_price": price,
        "discount": discount,
        "customer_id": customer,
        "line_amount": quantity * price - discount,
        "is_return": quantity < 0,
    }


def write_cleaned_day(lake: LocalLake, day: str, lines: list[dict]) -> None:
    """Write a day of cleaned rows as the clean job would."""
    folder = lake.day_path("cleaned", "sales", day)
    pa.fs.LocalFileSystem().create_dir(folder)
    pq.write_table(pa.Table.from_pylist(lines, schema=CLEANED_SCHEMA), f"{folder}/part-0.parquet")


@pytest.fixture()
def backends(tmp_path):
    """A lake, a crawler and an Athena over a temporary home."""
    lake = LocalLake(landing_root=str(tmp_path / "landing"), lake_root=str(tmp_path / "lake"))
    catalog = str(tmp_path / "catalog.duckdb")
    crawler = LocalCrawler(catalog_path=catalog, lake=lake)
    return lake, crawler, LocalAthena(catalog_path=catalog, lake=lake, crawler=crawler)


def test_every_sql_file_is_one_athena_insert():
    for path in SQL_DIR.glob("*.sql"):
        statements = sqlglot.parse(path.read_text(), read="athena")
        assert len(statements) == 1, path
        assert load_insert(path.stem).zone == "final"


def test_insert_aggregates_and_replaces_only_its_days(backends):
    lake, crawler, athena = backends
    write_cleaned_day(lake, "2024-03-01", [cleaned_line("t0", "s1", "p1", 1, "9.99")])
    write_cleaned_day(
        lake,
        "2024-03-02",
        [
            cleaned_line("t1", "s1", "p1", 2, "0.10", customer="c1", name="TUNA"),
            cleaned_line("t2", "s1", "p1", 1, "0.20", customer="c2", discount="0.05"),
            cleaned_line("t3", "s1", "p1", -1, "0.10", customer="c1"),
            cleaned_line("t3", "s2", "p9", 3, "1.3333"),
        ],
    )
    crawler.crawl("cleaned", "sales")
    athena.replace_days("insert_final_daily_sales", ["2024-03-01"])
    outcome = athena.replace_days("insert_final_daily_sales", ["2024-03-02", "2024-03-03"])

    assert outcome.rows_by_day == {"2024-03-02": 2, "2024-03-03": 0}
    rows = {
        (row["store_id"], row["product_id"]): row
        for row in lake.read_days("final", "daily_sales", ["2024-03-02"]).to_pylist()
    }
    s1 = rows[("s1", "p1")]
    assert (s1["units_sold"], s1["units_returned"]) == (3, 1)
    assert s1["gross_revenue"] == Decimal("0.3500")  # 2*0.10 + (1*0.20 - 0.05)
    assert s1["returns_amount"] == Decimal("0.1000")
    assert s1["net_revenue"] == Decimal("0.2500")
    assert (s1["transactions"], s1["customers"], s1["product_name"]) == (3, 2, "TUNA")
    assert rows[("s2", "p9")]["net_revenue"] == Decimal("3.9999")
    assert lake.rows_per_day("final", "daily_sales", ["2024-03-01", "2024-03-03"]) == {
        "2024-03-01": 1,
        "2024-03-03": 0,
    }


def test_rerun_is_idempotent_and_an_emptied_day_is_removed(backends):
    lake, crawler, athena = backends
    write_cleaned_day(lake, "2024-03-02", [cleaned_line("t1", "s1", "p1", 2, "0.10")])
    crawler.crawl("cleaned", "sales")
    athena.replace_days("insert_final_daily_sales", ["2024-03-02"])
    first = lake.read_days("final", "daily_sales", ["2024-03-02"])
    athena.replace_days("insert_final_daily_sales", ["2024-03-02"])
    assert lake.read_days("final", "daily_sales", ["2024-03-02"]).equals(first)

    pa.fs.LocalFileSystem().delete_dir(lake.day_path("cleaned", "sales", "2024-03-02"))
    write_cleaned_day(lake, "2024-03-01", [cleaned_line("t0", "s1", "p1", 1, "1")])
    crawler.crawl("cleaned", "sales")
    athena.replace_days("insert_final_daily_sales", ["2024-03-02"])
    assert lake.existing_days("final", "daily_sales", ["2024-03-02"]) == []


def final_of_two_days(backends) -> tuple[list[str], pa.Table]:
    """Two days of cleaned sales aggregated into final; the days and final's rows."""
    lake, crawler, athena = backends
    days = ["2024-03-01", "2024-03-02"]
    for day in days:
        write_cleaned_day(lake, day, [cleaned_line("t1", "s1", "p1", 1, "1.00")])
    crawler.crawl("cleaned", "sales")
    athena.replace_days("insert_final_daily_sales", days)
    return days, lake.read_days("final", "daily_sales", days)


def test_a_failed_write_leaves_every_day_as_it_was(backends, monkeypatch):
    lake, _, athena = backends
    days, before = final_of_two_days(backends)
    for day in days:
        write_cleaned_day(lake, day, [cleaned_line("t1", "s1", "p1", 5, "1.00")])

    real_write = athena_module.write_day

    def write_failing_on_the_second_day(filesystem, day_path, rows):
        if day_path.endswith(days[1]):
            raise OSError("disk full")
        real_write(filesystem, day_path, rows)

    monkeypatch.setattr(athena_module, "write_day", write_failing_on_the_second_day)
    with pytest.raises(OSError, match="disk full"):
        athena.replace_days("insert_final_daily_sales", days)
    assert lake.read_days("final", "daily_sales", days).equals(before)
    # The first day was written before the failure: its new rows are gone, and no stash is left beside the days.
    assert lake.folder_files(lake.table_path("final", "daily_sales")) == sorted(
        path for day in days for path in lake.day_files("final", "daily_sales", day)
    )
    assert sorted(path.name for path in Path(lake.table_path("final", "daily_sales")).iterdir()) == [
        f"business_date={day}" for day in days
    ]


def test_rows_of_days_outside_the_chunk_are_refused_and_no_day_changes(backends, monkeypatch):
    lake, _, athena = backends
    days, before = final_of_two_days(backends)
    real = load_insert("insert_final_daily_sales")
    # The statement with its range opened on one side (BETWEEN ? AND ? becomes >= ? OR <= ?): days before the chunk.
    unbounded = real.select.copy()
    between = unbounded.find(exp.Between)
    column, low, high = between.this, between.args["low"], between.args["high"]
    between.replace(exp.or_(exp.GTE(this=column.copy(), expression=low), exp.LTE(this=column.copy(), expression=high)))
    monkeypatch.setattr(athena_role, "load_insert", lambda name: InsertStatement(real.zone, real.table, unbounded))
    with pytest.raises(ValueError, match=r"days outside the chunk: \['2024-03-01'\]"):
        athena.replace_days("insert_final_daily_sales", days[1:])
    assert lake.read_days("final", "daily_sales", days).equals(before)


def test_stashes_a_killed_swap_left_are_removed_by_the_next_run_of_their_days(backends):
    lake, _, athena = backends
    days, before = final_of_two_days(backends)
    # A run killed between moving its days aside and writing them leaves its stash: made here by the lake's own
    # stash call, then nothing else (the process is gone).
    for stale_days in ([days[0]], [days[1]]):
        lake.stash(lake.stash_for("final", "daily_sales", stale_days))
    table = Path(lake.table_path("final", "daily_sales"))
    (table / "_replaced-other-run" / "2024-03-09").mkdir(parents=True)  # a stash of a day outside the chunk
    assert len(list(table.glob("_replaced-*"))) == 3
    athena.replace_days("insert_final_daily_sales", days)
    assert [path.name for path in table.glob("_replaced-*")] == ["_replaced-other-run"]
    assert lake.read_days("final", "daily_sales", days).equals(before)
