"""What the lake and the warehouse hold for a range of days, as a table for people."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.warehouse import Warehouse


@dataclass(frozen=True)
class DaySummary:
    """Rows per layer for one business day, and the net revenue PostgreSQL holds."""

    day: str
    landed: int
    cleaned: int
    quarantined: int
    final: int
    warehouse: int
    net_revenue: Decimal


def summarize(lake: Lake, warehouse: Warehouse, days: list[str]) -> tuple[list[DaySummary], Counter]:
    """Per-day rows of every layer and the quarantine reasons over the days."""
    landed = lake.rows_per_day("raw", "sales", days)
    cleaned = lake.rows_per_day("cleaned", "sales", days)
    quarantined = lake.rows_per_day("quarantine", "sales", days)
    final = lake.rows_per_day("final", "daily_sales", days)
    totals = {day.isoformat(): row for day, row in warehouse.totals(days).items()}
    rows = [
        DaySummary(
            day,
            landed[day],
            cleaned[day],
            quarantined[day],
            final[day],
            totals.get(day, {}).get("rows", 0),
            totals.get(day, {}).get("net_revenue", Decimal(0)),
        )
        for day in days
    ]
    reasons = lake.read_days("quarantine", "sales", days, columns=["reason"])
    return rows, Counter(reasons.column("reason").to_pylist() if reasons is not None else [])


def format_table(headers: list[str], rows: list[list[object]]) -> str:
    """A plain, right-aligned text table."""
    cells = [headers] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]
    lines = ["  ".join(value.rjust(width) for value, width in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_summary(rows: list[DaySummary], reasons: Counter) -> str:
    """The demo's summary: rows per layer and day, net revenue, then quarantine reasons."""
    day_table = format_table(
        ["day", "landed", "cleaned", "quarantined", "final", "postgres", "net_revenue"],
        [[r.day, r.landed, r.cleaned, r.quarantined, r.final, r.warehouse, r.net_revenue] for r in rows],
    )
    reason_table = format_table(["quarantine reason", "rows"], [[k, v] for k, v in sorted(reasons.items())])
    return f"{day_table}\n\n{reason_table}"


def check_rows(checks: list) -> list[list[object]]:
    """One row per check: the days it passed, and the days it warned or failed with their severity."""
    by_check: dict[tuple[str, str], list] = {}
    for check in checks:
        by_check.setdefault((check.check, check.asset), []).append(check)
    rows = []
    for (name, asset), results in sorted(by_check.items()):
        failed = [result for result in results if not result.passed]
        verdict = "passed" if not failed else "; ".join(f"{r.severity} on {r.day}" for r in failed)
        rows.append([name, asset, len(results), verdict])
    return rows
