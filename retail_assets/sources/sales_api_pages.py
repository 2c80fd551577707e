"""The sales API's pages: a business day's generated sales, N rows a page, the same for every server and Lambda."""

import json
from datetime import date
from functools import lru_cache

from glue_scripts.sales_contract import parse_day
from retail_assets.store_files.generator import day_records

DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000


class BadRequest(ValueError):
    """A request the API refuses (400), with the message it answers."""


@lru_cache(maxsize=16)
def _day(day: date, seed: int, timezone: str, rows_per_day: int) -> tuple[str, ...]:
    """The day's records as JSON texts, generated once per process (deterministic per seed and day)."""
    return tuple(json.dumps(record, ensure_ascii=False) for record in day_records(day, seed, timezone, rows_per_day))


def page_body(query: dict[str, str], seed: int, timezone: str, rows_per_day: int) -> dict:
    """The page a query asks for: {business_date, page, page_size, total_pages, next_page, records}."""
    try:
        day = parse_day(query.get("business_date", ""))
        page = int(query.get("page", "1"))
        page_size = int(query.get("page_size", str(DEFAULT_PAGE_SIZE)))
    except ValueError as error:
        raise BadRequest(f"business_date=YYYY-MM-DD, page and page_size as whole numbers: {error}") from error
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page starts at 1 and page_size is 1..{MAX_PAGE_SIZE}")
    records = _day(day, seed, timezone, rows_per_day)
    total_pages = max(1, -(-len(records) // page_size))
    chunk = records[(page - 1) * page_size : page * page_size]
    return {
        "business_date": day.isoformat(),
        "page": page,
        "page_size": page_size,
        "total_pages": total_pages,
        "next_page": page + 1 if page < total_pages else None,
        "records": [json.loads(text) for text in chunk],
    }
