"""The reports computed in plain Python from cleaned rows, independently of the SQL files."""

from collections import defaultdict
from decimal import Decimal

ZERO = Decimal(0)


def _totals(rows: list[dict]) -> dict:
    """Net, gross, returns and units of some cleaned rows."""
    return {
        "net_revenue": sum((row["line_amount"] for row in rows), ZERO),
        "gross_revenue": sum((row["line_amount"] for row in rows if row["quantity"] > 0), ZERO),
        "returns_amount": -sum((row["line_amount"] for row in rows if row["quantity"] < 0), ZERO),
        "units_sold": sum(row["quantity"] for row in rows if row["quantity"] > 0),
        "units_returned": -sum(row["quantity"] for row in rows if row["quantity"] < 0),
    }


def sales_by_day(rows_by_day: dict[str, list[dict]]) -> list[dict]:
    """One row per day with data."""
    return [
        {
            "business_date": day,
            **_totals(rows),
            "transactions": len({(row["store_id"], row["transaction_id"]) for row in rows}),
            "customers": len({row["customer_id"] for row in rows if row["customer_id"]}),
        }
        for day, rows in sorted(rows_by_day.items())
        if rows
    ]


def _by_month(rows_by_day: dict[str, list[dict]], key) -> dict[tuple[str, str], list[dict]]:
    """Rows grouped by (YYYY-MM, key(row))."""
    groups = defaultdict(list)
    for day, rows in rows_by_day.items():
        for row in rows:
            groups[(day[:7], key(row))].append(row)
    return groups


def per_month(rows_by_day: dict[str, list[dict]], column: str) -> list[dict]:
    """Totals per month and value of column, an empty or missing value counted as '(none)'."""
    groups = _by_month(rows_by_day, lambda row: row[column] or "(none)")
    return [
        {"business_date": f"{month}-01", "month": month, column: value, **_totals(rows)}
        for (month, value), rows in sorted(groups.items())
    ]


def top_products(rows_by_day: dict[str, list[dict]], limit: int = 10) -> list[dict]:
    """The products of highest net revenue per month, ties by product id."""
    groups = _by_month(rows_by_day, lambda row: row["product_id"])
    ranked = []
    for month in sorted({month for month, _ in groups}):
        products = [(product, rows) for (row_month, product), rows in groups.items() if row_month == month]
        products.sort(key=lambda item: (-_totals(item[1])["net_revenue"], item[0]))
        for rank, (product, rows) in enumerate(products[:limit], start=1):
            totals = _totals(rows)
            ranked.append(
                {
                    "business_date": f"{month}-01",
                    "month": month,
                    "product_rank": rank,
                    "product_id": product,
                    "product_name": rows[0]["product_name"],
                    "brand": rows[0]["brand"],
                    "category": rows[0]["category"],
                    "units_sold": totals["units_sold"],
                    "units_returned": totals["units_returned"],
                    "net_revenue": totals["net_revenue"],
                }
            )
    return ranked


def expected_reports(rows_by_day: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Every report's rows, keyed by table."""
    return {
        "sales_by_day": sales_by_day(rows_by_day),
        "brand_sales_monthly": per_month(rows_by_day, "brand"),
        "category_sales_monthly": per_month(rows_by_day, "category"),
        "store_sales_monthly": per_month(rows_by_day, "store_id"),
        "top_products_monthly": top_products(rows_by_day),
    }
