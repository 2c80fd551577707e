"""Load days of final/daily_sales into retail.daily_sales, each load replacing whole days atomically."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg.rows import dict_row

from retail_assets.tables import WAREHOUSE_COLUMNS, WAREHOUSE_TABLE, warehouse_schema

# retail.daily_sales as Arrow sees it, from its declaration (migrations/001 is the DDL, tested against it).
DAILY_SALES_SCHEMA = warehouse_schema()
COLUMNS = tuple(DAILY_SALES_SCHEMA.names)
MONEY_COLUMNS = tuple(field.name for field in DAILY_SALES_SCHEMA if pa.types.is_decimal(field.type))
# The per-day sums the reconciliation compares: the additive columns, money summed exactly.
ADDITIVE_COLUMNS = tuple(column.name for column in WAREHOUSE_COLUMNS if column.additive)
# First key of the two-key advisory locks that serialise loads of the same day ("RETA" in ASCII).
_DAY_LOCK_NAMESPACE = 0x52455441
_COPY_BATCH_ROWS = 50_000
_COLUMN_LIST = ", ".join(COLUMNS)
TABLE, STAGING = WAREHOUSE_TABLE, "daily_sales_staging"


@dataclass(frozen=True)
class LoadResult:
    """What one replace_days call changed."""

    rows_deleted: int
    rows_inserted: int
    days: tuple[dt.date, ...]


def replace_days(conninfo: str, rows: pa.Table, days: Iterable[dt.date]) -> LoadResult:
    """Replace every row of `days` in retail.daily_sales by `rows`, in one transaction."""
    days = _normalise_days(days)
    table = _validated(rows, days)
    if not days:
        return LoadResult(0, 0, ())
    with psycopg.connect(conninfo) as conn, conn.transaction(), conn.cursor() as cur:
        # The staging table lives in this transaction only, so a failed load leaves nothing behind.
        cur.execute(f"CREATE TEMP TABLE {STAGING} (LIKE {TABLE} INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(f"COPY {STAGING} ({_COLUMN_LIST}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')") as copy:
            for batch in table.to_batches(max_chunksize=_COPY_BATCH_ROWS):
                copy.write(_csv_bytes(batch))
        # Concurrent loads of a day take turns (in date order, so no deadlock); other days load in parallel.
        for day in days:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_DAY_LOCK_NAMESPACE, day.toordinal()))
        cur.execute(f"DELETE FROM {TABLE} WHERE business_date = ANY(%s)", (list(days),))
        deleted = cur.rowcount
        cur.execute(f"INSERT INTO {TABLE} ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {STAGING}")
        inserted = cur.rowcount
    return LoadResult(rows_deleted=deleted, rows_inserted=inserted, days=days)


def _sum_expression(name: str) -> str:
    """coalesce(sum(column), 0) cast to bigint, or for money to numeric(38,4) (a sum of 18-digit values may need 38)."""
    cast = "numeric(38,4)" if name in MONEY_COLUMNS else "bigint"
    return f"coalesce(sum(s.{name}), 0)::{cast} AS {name}"


_SUMS = ",\n               ".join(_sum_expression(name) for name in ADDITIVE_COLUMNS)


def daily_totals(conninfo: str, days: Iterable[dt.date]) -> dict[dt.date, dict[str, object]]:
    """Row count and additive sums per day (zeros for days without rows), money as exact Decimal."""
    query = f"""
        SELECT d.day AS business_date,
               count(s.business_date) AS rows,
               {_SUMS}
        FROM unnest(%s::date[]) AS d(day)
        LEFT JOIN {TABLE} AS s ON s.business_date = d.day
        GROUP BY d.day
        ORDER BY d.day
    """
    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        found = conn.execute(query, (list(_normalise_days(days)),)).fetchall()
    return {row.pop("business_date"): row for row in found}


def table_rows(conninfo: str, days: Iterable[dt.date]) -> list[dict[str, object]]:
    """The stored rows of `days` (without loaded_at), ordered by primary key."""
    query = f"""
        SELECT {_COLUMN_LIST} FROM {TABLE}
        WHERE business_date = ANY(%s)
        ORDER BY business_date, store_id, product_id
    """
    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        return conn.execute(query, (list(_normalise_days(days)),)).fetchall()


def duplicate_keys(conninfo: str, days: Iterable[dt.date], limit: int = 20) -> list[dict[str, object]]:
    """Primary keys stored more than once among `days` (a table created without its key would allow it)."""
    query = f"""
        SELECT business_date, store_id, product_id, count(*) AS copies FROM {TABLE}
        WHERE business_date = ANY(%s)
        GROUP BY business_date, store_id, product_id HAVING count(*) > 1
        ORDER BY business_date, store_id, product_id LIMIT %s
    """
    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        return conn.execute(query, (list(_normalise_days(days)), limit)).fetchall()


def _normalise_days(days: Iterable[dt.date]) -> tuple[dt.date, ...]:
    """Sorted distinct days; datetimes are refused since they never equal a business date."""
    days = set(days)
    wrong = [d for d in days if not isinstance(d, dt.date) or isinstance(d, dt.datetime)]
    if wrong:
        raise ValueError(f"days must be datetime.date values, got {wrong[:3]!r}")
    return tuple(sorted(days))


def _validated(rows: pa.Table, days: tuple[dt.date, ...]) -> pa.Table:
    """`rows` with exactly the table's columns in COPY order, after checking types and business dates."""
    names = set(rows.column_names)
    if names != set(COLUMNS):
        raise ValueError(
            f"rows must have exactly the columns {list(COLUMNS)}; "
            f"missing {sorted(set(COLUMNS) - names)}, unexpected {sorted(names - set(COLUMNS))}"
        )
    for name in MONEY_COLUMNS:
        if pa.types.is_floating(rows.schema.field(name).type):
            raise ValueError(f"money column {name} is {rows.schema.field(name).type}; use decimal128")
    if not pa.types.is_date(rows.schema.field("business_date").type):
        raise ValueError(f"business_date is {rows.schema.field('business_date').type}; use date32")
    present = pc.unique(rows["business_date"]).to_pylist()
    outside = [d for d in present if d not in days]
    if outside:
        raise ValueError(f"rows hold business dates outside the days being replaced: {sorted(outside, key=str)[:5]}")
    return rows.select(list(COLUMNS))


def _csv_bytes(batch: pa.RecordBatch) -> bytes:
    """A batch as PostgreSQL-compatible CSV: strings always quoted, nulls empty and unquoted, decimals exact."""
    buffer = io.BytesIO()
    pacsv.write_csv(batch, buffer, write_options=pacsv.WriteOptions(include_header=False))
    return buffer.getvalue()
