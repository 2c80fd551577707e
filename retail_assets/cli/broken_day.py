"""A deliberately broken day for the demo: a register that sends only zero-quantity lines, blocked by the checks."""

from datetime import date
from pathlib import Path

from retail_assets.store_files.generator import generate_landing
from retail_assets.store_files.objects import write_object

BROKEN_FILE = "broken_register.csv"
HEADER = "transaction_id,sold_at,store_id,product_id,quantity,unit_price\n"


def land_broken_day(landing_root: Path, day: date, seed: int, timezone: str, rows_per_day: int) -> str:
    """A normal generated day plus as many zero-quantity lines (rule zero_quantity): half of it is quarantined."""
    generate_landing(landing_root, day, 1, seed, timezone, rows_per_day)
    lines = "".join(f"broken-{n},{day.isoformat()}T12:00:00,s-broken,p-broken,0,1.00\n" for n in range(rows_per_day))
    key = f"sales/{day.isoformat()}/{BROKEN_FILE}"
    write_object(landing_root, key, (HEADER + lines).encode())
    return key
