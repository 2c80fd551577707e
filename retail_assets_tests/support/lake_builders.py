"""Small lake tables written the way the jobs write them, for checks to read."""

import hashlib
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.warehouse.loader import DAILY_SALES_SCHEMA

MONEY = pa.decimal128(18, 4)
CONTRACT = [
    "transaction_id", "sold_at", "store_id", "product_id", "product_name", "category", "brand",
    "quantity", "unit_price", "discount", "customer_id",
]  # fmt: skip


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
    """raw/sales: text columns, then lineage."""
    text = [(name, pa.string()) for name in [*CONTRACT, *extra, "_unparsed_line", "_source_object", "_source_md5"]]
    return pa.schema([*text, ("_source_bytes", pa.int64()), ("_line_number", pa.int64())])


def raw_row(source: tuple[str, str, int], line: int, **values) -> dict:
    """A raw row of a landing object, with good values unless overridden."""
    uri, md5, size = source
    good = {
        "transaction_id": f"t{line}", "sold_at": "2024-03-02T10:00:00Z", "store_id": "s1", "product_id": "p1",
        "quantity": "2", "unit_price": "1.2500", "discount": "0",
    }  # fmt: skip
    return {**good, **values, "_source_object": uri, "_source_md5": md5, "_source_bytes": size, "_line_number": line}


CLEANED_SCHEMA = pa.schema(
    [
        ("transaction_id", pa.string()),
        ("sold_at", pa.timestamp("us", tz="UTC")),
        ("store_id", pa.string()),
        ("product_id", pa.string()),
        ("product_name", pa.string()),
        ("category", pa.string()),
        ("brand", pa.string()),
        ("quantity", pa.int64()),
        ("unit_price", MONEY),
        ("discount", MONEY),
        ("customer_id", pa.string()),
        ("line_amount", MONEY),
        ("is_return", pa.bool_()),
        ("_source_object", pa.string()),
        ("_line_number", pa.int64()),
    ]
)


def cleaned_row(line: int, quantity: int = 2, price: str = "1.25", discount: str = "0", **values) -> dict:
    """A consistent cleaned row sold at noon UTC on 2024-03-02, unless overridden."""
    amount = quantity * Decimal(price) - Decimal(discount)
    row = {
        "transaction_id": f"t{line}", "sold_at": datetime(2024, 3, 2, 12, tzinfo=timezone.utc), "store_id": "s1",
        "product_id": f"p{line}", "quantity": quantity, "unit_price": Decimal(price), "discount": Decimal(discount),
        "line_amount": amount, "is_return": quantity < 0, "_source_object": "file:/x.csv", "_line_number": line + 1,
    }  # fmt: skip
    return {**row, **values}


QUARANTINE_SCHEMA = pa.schema(
    [
        ("transaction_id", pa.string()),
        ("reason", pa.string()),
        ("_source_object", pa.string()),
        ("_line_number", pa.int64()),
    ]
)

# final/daily_sales files: the warehouse table's columns, business_date being the partition folder.
FINAL_SCHEMA = DAILY_SALES_SCHEMA.remove(DAILY_SALES_SCHEMA.get_field_index("business_date"))


def final_row(product: str, sold: int, returned: int, gross: str, returns: str, **values) -> dict:
    """A daily_sales row with net = gross - returns unless overridden."""
    row = {
        "store_id": "s1", "product_id": product, "units_sold": sold, "units_returned": returned,
        "gross_revenue": Decimal(gross), "returns_amount": Decimal(returns),
        "net_revenue": Decimal(gross) - Decimal(returns), "transactions": 1, "customers": 1,
    }  # fmt: skip
    return {**row, **values}
