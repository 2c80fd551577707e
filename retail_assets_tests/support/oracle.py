"""An independent reading of DESIGN.md's rules in plain Python, to check the pipeline's numbers against."""

import csv
import gzip
import io
import json
import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq

REQUIRED = ["transaction_id", "sold_at", "store_id", "product_id", "quantity", "unit_price"]
CONTRACT = REQUIRED[:4] + ["product_name", "category", "brand"] + REQUIRED[4:] + ["discount", "customer_id"]
DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
INTEGER_TEXT = re.compile(r"^[+-]?\d+(\.0*)?$")


def read_object(path: Path) -> list[dict[str, str]]:
    """The rows of one landing object as text, column names lower-cased."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return [{k.lower(): _text(v) for k, v in row.items()} for row in pq.read_table(path).to_pylist()]
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    text = raw.decode("utf-8")
    if name.endswith(".jsonl"):
        rows = [json.loads(line, parse_float=str, parse_int=str) for line in text.splitlines() if line.strip()]
        return [{k.lower(): None if v is None else str(v) for k, v in row.items()} for row in rows]
    return [{k.lower(): v for k, v in row.items()} for row in csv.DictReader(io.StringIO(text)) if any(row.values())]


def _text(value) -> str | None:
    """A typed Parquet value as the text the contract expects."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _timestamp(text: str, zone: ZoneInfo) -> datetime | None:
    """sold_at as an aware datetime in the business zone, or None."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(zone) if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _decimal(text: str) -> Decimal | None:
    """A decimal with at most 4 significant places, or None."""
    if not DECIMAL_TEXT.match(text):
        return None
    value = Decimal(text)
    return value if value == value.quantize(Decimal("0.0001")) else None


def _fate(row: dict, day: str, zone: ZoneInfo) -> tuple[str | None, tuple | None]:
    """(reason, None) for a rejected row; (None, parsed contract values) for a kept one."""
    values = {column: (row.get(column) or "").strip() for column in CONTRACT}
    parsed = {}
    for column in CONTRACT:
        text = values[column]
        if column in REQUIRED and not text:
            return f"missing_{column}", None
        if column == "sold_at":
            parsed[column] = _timestamp(text, zone)
        elif column == "quantity":
            parsed[column] = int(Decimal(text)) if INTEGER_TEXT.match(text) else None
        elif column in ("unit_price", "discount"):
            parsed[column] = _decimal(text) if text else Decimal("0")
        else:
            parsed[column] = text or None
        if column in ("sold_at", "quantity", "unit_price", "discount") and parsed[column] is None:
            return f"invalid_{column}", None
    if parsed["unit_price"] < 0:
        return "negative_price", None
    if parsed["quantity"] == 0:
        return "zero_quantity", None
    if parsed["sold_at"].date().isoformat() != day:
        return "outside_partition", None
    parsed["sold_at"] = parsed["sold_at"].timestamp()
    return None, tuple(parsed[column] for column in CONTRACT)


def expected_days(landing_root: Path, timezone: str, days: list[str]) -> dict[str, dict]:
    """Per business day: rows landed, kept, quarantined by reason, and net revenue by (store, product)."""
    zone = ZoneInfo(timezone)
    expected = {}
    for day in days:
        folder = landing_root / "sales" / day
        summary = {"landed": 0, "kept": 0, "reasons": defaultdict(int), "net": defaultdict(Decimal)}
        seen = set()
        files = sorted(folder.rglob("*")) if folder.exists() else []
        for path in (p for p in files if p.is_file() and not p.name.startswith((".", "_"))):
            for row in read_object(path):
                summary["landed"] += 1
                reason, parsed = _fate(row, day, zone)
                if reason is None and parsed in seen:
                    reason = "duplicate"
                if reason:
                    summary["reasons"][reason] += 1
                    continue
                seen.add(parsed)
                summary["kept"] += 1
                record = dict(zip(CONTRACT, parsed))
                amount = record["quantity"] * record["unit_price"] - record["discount"]
                summary["net"][(record["store_id"], record["product_id"])] += amount
        expected[day] = summary
    return expected
