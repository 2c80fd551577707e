"""Made-up shoppers with a planted signal, for the purchase propensity model: sales lines, and landing files of them.

Most shoppers come in bursts: active for some days, buying most of them, then dormant, so who bought often lately
buys again (what the recency-frequency baseline sees). The others are regulars who shop every 25 to 29 days, in
the evening: they buy again whatever their recency says, which only the model (with the hour mix) can tell.
shuffled=True gives every basket to a random shopper: no signal at all.
"""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES, LANDING_TABLE_PREFIX
from retail_assets.store_files.objects import write_object

CATEGORIES = ("GROCERY", "PRODUCE", "DAIRY", "BAKERY", "DRUG GM")
LANDING_NAME = "shoppers.csv"


def shopper_lines(
    timezone: str, customers: int = 400, start: date = date(2024, 1, 1), days: int = 240, seed: int = 7,
    shuffled: bool = False,
) -> list[dict]:  # fmt: skip
    """Sales lines in the landing contract's columns, typed; ~5% of baskets anonymous, ~4% of lines returns."""
    zone, rng = ZoneInfo(timezone), np.random.default_rng(seed)
    regular = rng.random(customers) < 0.4
    next_visit = rng.integers(0, 28, customers)
    active = rng.random(customers) < 0.3
    baskets = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        active = np.where(active, rng.random(customers) < 0.9, rng.random(customers) < 0.01)
        bursty_buying = ~regular & (rng.random(customers) < np.where(active, 0.25, 0.002))
        regular_buying = regular & (next_visit == offset)
        next_visit = np.where(regular_buying, offset + rng.integers(25, 30, customers), next_visit)
        for customer in np.flatnonzero(bursty_buying | regular_buying):
            # Hours are drawn in the business day, as a till prints them.
            hour = int(rng.integers(18, 23) if regular[customer] else rng.integers(8, 17))
            baskets.append((day, hour, int(customer)))
    owners = [customer for _, _, customer in baskets]
    if shuffled:
        owners = list(rng.integers(0, customers, len(owners)))
    lines = []
    for number, ((day, hour, _), customer) in enumerate(zip(baskets, owners, strict=True)):
        anonymous = rng.random() < 0.05
        for _ in range(int(rng.integers(1, 4))):
            lines.append(
                {
                    "transaction_id": f"b{number}",
                    "sold_at": datetime(day.year, day.month, day.day, hour, 30, tzinfo=zone),
                    "store_id": "s1",
                    "product_id": f"p{int(rng.integers(0, 60))}",
                    "product_name": None,
                    "category": CATEGORIES[int(rng.integers(0, len(CATEGORIES)))],
                    "brand": None,
                    "quantity": int(rng.integers(1, 4)) * (-1 if rng.random() < 0.04 else 1),
                    "unit_price": Decimal(int(rng.integers(100, 2000))) / 100,
                    "discount": Decimal(0),
                    "customer_id": None if anonymous else f"c{customer:04d}",
                }
            )
    return lines


def write_shopper_landing(landing_root: Path, lines: list[dict]) -> list[str]:
    """One CSV landing object per business day, sales/<day>/shoppers.csv; returns the days written."""
    by_day: dict[str, list[dict]] = {}
    for line in lines:
        by_day.setdefault(line["sold_at"].date().isoformat(), []).append(line)
    for day, day_lines in by_day.items():
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=CONTRACT_COLUMN_NAMES, lineterminator="\n")
        writer.writeheader()
        for line in day_lines:
            writer.writerow({**line, "sold_at": line["sold_at"].isoformat()})
        write_object(landing_root, f"{LANDING_TABLE_PREFIX}/{day}/{LANDING_NAME}", text.getvalue().encode())
    return sorted(by_day)
