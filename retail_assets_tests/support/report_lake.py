"""Generated cleaned days written to a local lake, with final/daily_sales built from them by the real SQL."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from retail_assets.defs.resources.local.athena import LocalAthena
from retail_assets.defs.resources.local.crawler import LocalCrawler
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.defs.resources.local.report_exports import LocalReportExports
from retail_assets_tests.support.lake_builders import CLEANED_SCHEMA, lake_at, write_day

BRANDS = ("Acme", "Borealis", "Cobalt", None)  # None: a product without a brand
CATEGORIES = ("GROCERY", "HOME", "TOYS", "GARDEN")
PRICES = ("0.99", "2.50", "3.3333", "12.00", "19.95", "149.90")


@dataclass(frozen=True)
class ReportLake:
    """A local lake and its catalog, with the backends the report assets use."""

    home: Path
    lake: LocalLake
    crawler: LocalCrawler
    athena: LocalAthena
    exports: LocalReportExports

    def resources(self) -> dict:
        """The resources a report asset takes."""
        return {"lake": self.lake, "crawler": self.crawler, "athena": self.athena, "report_exports": self.exports}


def report_lake(home: Path) -> ReportLake:
    """Empty backends under home."""
    catalog, lake = str(home / "catalog.duckdb"), lake_at(home)
    crawler = LocalCrawler(catalog_path=catalog, lake=lake)
    return ReportLake(
        home, lake, crawler, LocalAthena(catalog_path=catalog, lake=lake, crawler=crawler),
        LocalReportExports(catalog_path=catalog, lake=lake),
    )  # fmt: skip


def days_from(first: str, count: int) -> list[str]:
    """count consecutive days from first."""
    start = date.fromisoformat(first)
    return [(start + timedelta(days=offset)).isoformat() for offset in range(count)]


def generated_rows(days: list[str], seed: int, lines_per_day: int = 60) -> dict[str, list[dict]]:
    """Cleaned rows per day: 3 stores sharing receipt numbers, 25 products, returns, discounts, anonymous buyers."""
    rng = random.Random(seed)
    products = [
        (f"P{index:03d}", f"Product {index}", BRANDS[index % len(BRANDS)], CATEGORIES[index % len(CATEGORIES)])
        for index in range(25)
    ]
    rows_by_day = {}
    for day in days:
        noon = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
        rows = []
        for line in range(lines_per_day):
            product_id, name, brand, category = rng.choice(products)
            quantity = rng.choice([1, 1, 2, 3, 5, -1, -2]) if rng.random() < 0.9 else rng.choice([-1, 4])
            price = Decimal(rng.choice(PRICES))
            discount = Decimal(rng.choice(["0", "0", "0", "0.50", "1.2500"])) if quantity > 0 else Decimal(0)
            rows.append(
                {
                    # Receipt numbers repeat across stores: a transaction is a (store, receipt) pair.
                    "transaction_id": f"r{line // 3}",
                    "sold_at": noon + timedelta(seconds=line),
                    "store_id": rng.choice(["S1", "S2", "S3"]),
                    "product_id": product_id,
                    "product_name": name,
                    "category": category,
                    "brand": brand,
                    "quantity": quantity,
                    "unit_price": price,
                    "discount": discount,
                    "customer_id": rng.choice([None, "c1", "c2", "c3", "c4", "c5", "c6"]),
                    "line_amount": quantity * price - discount,
                    "is_return": quantity < 0,
                    "_source_object": "file:/generated.csv",
                    "_line_number": line + 2,
                }
            )
        rows_by_day[day] = rows
    return rows_by_day


def write_cleaned_and_final(backends: ReportLake, rows_by_day: dict[str, list[dict]]) -> None:
    """Write the cleaned days, crawl them, and build final/daily_sales with its own SQL file."""
    for day, rows in rows_by_day.items():
        write_day(backends.lake, "cleaned", "sales", day, rows, CLEANED_SCHEMA)
    backends.crawler.crawl("cleaned", "sales")
    backends.athena.replace_days("insert_final_daily_sales", sorted(rows_by_day))
    backends.crawler.crawl("final", "daily_sales")
