"""A store's day of sales whose first lines have negative prices: the blocked day of the heal test and check."""

from pathlib import Path

from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES

UNITS, PRICE = 2, "1.25"  # every line: 2 units at 1.25, so a good day of n lines is 2n units and 2.5n revenue


def sales_csv(day: str, rows: int, broken: int) -> str:
    """A CSV of rows sales of day, the first `broken` of them with a negative unit price (quarantined)."""
    lines = [",".join(CONTRACT_COLUMN_NAMES)]
    for line in range(rows):
        values = {
            "transaction_id": f"{day}-{line}", "sold_at": f"{day}T10:{line % 60:02d}:00", "store_id": "s1",
            "product_id": f"p{line % 4}", "quantity": str(UNITS), "unit_price": f"-{PRICE}" if line < broken else PRICE,
            "discount": "0",
        }  # fmt: skip
        lines.append(",".join(values.get(column, "") for column in CONTRACT_COLUMN_NAMES))
    return "\n".join(lines) + "\n"


def land_days(landing: Path, days: list[str], rows: int, bad_day: str, broken_share: float) -> None:
    """One store file per day under landing/sales/<day>/; bad_day has broken_share of its lines broken."""
    for day in days:
        folder = landing / "sales" / day
        folder.mkdir(parents=True, exist_ok=True)
        broken = round(rows * broken_share) if day == bad_day else 0
        (folder / "store_1.csv").write_text(sales_csv(day, rows, broken))
