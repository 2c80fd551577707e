"""retail.customer_propensity: every featured customer's score, replaced as a whole in one transaction."""

import io

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg.rows import dict_row

from retail_assets.tables import CUSTOMER_PROPENSITY_TABLE

TABLE = f"{CUSTOMER_PROPENSITY_TABLE.zone}.{CUSTOMER_PROPENSITY_TABLE.name}"
STAGING = "customer_propensity_staging"
# The table as Arrow sees it, from its declaration (migrations/002 is the DDL).
SCORES_SCHEMA = CUSTOMER_PROPENSITY_TABLE.file_schema()
_COLUMNS = ", ".join(SCORES_SCHEMA.names)


def replace_scores(conninfo: str, rows: pa.Table) -> tuple[int, int]:
    """Replace every row by rows in one transaction (readers see the old or the new scores); (deleted, inserted)."""
    rows = rows.select(SCORES_SCHEMA.names).cast(SCORES_SCHEMA)
    buffer = io.BytesIO()
    pacsv.write_csv(rows, buffer, write_options=pacsv.WriteOptions(include_header=False))
    with psycopg.connect(conninfo) as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE {STAGING} (LIKE {TABLE}) ON COMMIT DROP")
        with cur.copy(f"COPY {STAGING} ({_COLUMNS}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')") as copy:
            copy.write(buffer.getvalue())
        # Two replacements take turns; readers (ACCESS SHARE) are never blocked by this mode.
        cur.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {TABLE}")
        deleted = cur.rowcount
        cur.execute(f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT {_COLUMNS} FROM {STAGING}")
        return deleted, cur.rowcount


def stored_scores(conninfo: str) -> list[dict]:
    """Every stored row, by customer_id."""
    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY customer_id").fetchall()
