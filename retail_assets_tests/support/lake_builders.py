"""Small lake tables written the way the jobs write them (schemas from retail_assets.tables), for checks to read."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.tables import CLEANED_SALES_TABLE, DAILY_SALES_TABLE, QUARANTINE_SALES_TABLE, RAW_SALES_TABLE


def lake_at(home: Path) -> LocalLake:
    """A local lake under home."""
    return LocalLake(landing_root=str(home / "landing"), lake_root=str(home / "lake"))


def write_day(lake: LocalLake, zone: str, table: str, day: str, rows: list[dict], schema: pa.Schema) -> str:
    """Write one day's rows as a partition file; returns its path."""
    folder = Path(lake.day_path(zone, table, day))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-00000.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return str(path)


def land(lake: LocalLake, day: str, name: str, text: str) -> tuple[str, str, int]:
    """Drop a landing object; returns (its URI as ingest records it, MD5, bytes)."""
    path = Path(lake.landing_base()) / "sales" / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return f"file:{path}", hashlib.md5(text.encode()).hexdigest(), len(text.encode())


def raw_schema(extra: tuple[str, ...] = ()) -> pa.Schema:
    """raw/sales files: the contract's text columns, landed extra columns (text), then the system columns."""
    schema = RAW_SALES_TABLE.file_schema()
    extras_at = schema.get_field_index(CONTRACT_COLUMN_NAMES[-1]) + 1
    for offset, name in enumerate(extra):
        schema = schema.insert(extras_at + offset, pa.field(name, pa.string()))
    return schema


def raw_row(source: tuple[str, str, int], line: int, **values) -> dict:
    """A raw row of a landing object, with good values unless overridden."""
    uri, md5, size = source
    good = {
        "transaction_id": f"t{line}", "sold_at": "2024-03-02T10:00:00Z", "store_id": "s1", "product_id": "p1",
        "quantity": "2", "unit_price": "1.2500", "discount": "0",
    }  # fmt: skip
    return {**good, **values, "_source_object": uri, "_source_md5": md5, "_source_bytes": size, "_line_number": line}


CLEANED_SCHEMA = CLEANED_SALES_TABLE.file_schema()


def cleaned_row(line: int, quantity: int = 2, price: str = "1.25", discount: str = "0", **values) -> dict:
    """A consistent cleaned row sold at noon UTC on 2024-03-02, unless overridden."""
    amount = quantity * Decimal(price) - Decimal(discount)
    row = {
        "transaction_id": f"t{line}", "sold_at": datetime(2024, 3, 2, 12, tzinfo=UTC), "store_id": "s1",
        "product_id": f"p{line}", "quantity": quantity, "unit_price": Decimal(price), "discount": Decimal(discount),
        "line_amount": amount, "is_return": quantity < 0, "_source_object": "file:/x.csv", "_line_number": line + 1,
    }  # fmt: skip
    return {**row, **values}


QUARANTINE_SCHEMA = QUARANTINE_SALES_TABLE.file_schema()
# final/daily_sales files: business_date is the partition folder.
FINAL_SCHEMA = DAILY_SALES_TABLE.file_schema()


def final_row(product: str, sold: int, returned: int, gross: str, returns: str, **values) -> dict:
    """A daily_sales row with net = gross - returns unless overridden."""
    row = {
        "store_id": "s1", "product_id": product, "units_sold": sold, "units_returned": returned,
        "gross_revenue": Decimal(gross), "returns_amount": Decimal(returns),
        "net_revenue": Decimal(gross) - Decimal(returns), "transactions": 1, "customers": 1,
    }  # fmt: skip
    return {**row, **values}
