"""Synthetic landing files: realistic daily sales with dirt at known rates, and the expected fate of every row."""

import csv
import gzip
import io
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tqdm import tqdm

from glue_scripts.sales_contract import (
    CONTRACT_COLUMN_NAMES,
    CONTRACT_COLUMNS,
    DUPLICATE,
    LANDING_TABLE_PREFIX,
    MONEY_PRECISION,
    MONEY_SCALE,
    NEGATIVE_PRICE,
    OUTSIDE_PARTITION,
    REQUIRED_COLUMN_NAMES,
    ZERO_QUANTITY,
    business_zone,
    invalid_reason,
    missing_reason,
)
from retail_assets.store_files.objects import write_object
from retail_assets.store_files.retailer import Catalog, Product, Store, build_catalog

RETURN_RATE = 0.03  # kept lines that are returns (negative quantity)
DUPLICATE_RATE = 0.01  # exact copies of kept lines, as a share of the rows written
BAD_ROW_RATE = 0.002  # rows for EACH reason of BAD_REASONS, as a share of the rows written (at least 1)
DISCOUNT_RATE = 0.08  # kept sales lines with a discount
ANONYMOUS_RATE = 0.35  # in-store baskets without a customer_id (web orders always have one)
MIN_ROWS_PER_DAY = 50

TYPED_COLUMNS = tuple(column.name for column in CONTRACT_COLUMNS if column.kind != "string")
BAD_REASONS = (
    *(missing_reason(name) for name in REQUIRED_COLUMN_NAMES),
    *(invalid_reason(name) for name in TYPED_COLUMNS),
    NEGATIVE_PRICE,
    ZERO_QUANTITY,
    OUTSIDE_PARTITION,
)
# One file per store and day, the format rotating over stores and days. Bad rows need text, so they only go
# into the csv / csv.gz / jsonl files; parquet files hold typed good rows (and exact duplicates of them).
SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".parquet")
TEXT_SUFFIXES = (".csv", ".csv.gz", ".jsonl")
EXTRA_COLUMN = "pos_register"  # not in the contract: one file a day carries it

_CENT = Decimal("0.01")
# sold_at renderings: "offset" -04:00, "compact" -0400, "utc" ...Z with milliseconds, "local" without offset.
_TIME_STYLES, _TIME_STYLE_WEIGHTS = ("offset", "compact", "utc", "local"), (45, 15, 20, 20)
_QUANTITIES, _QUANTITY_WEIGHTS = (1, 2, 3, 4, 6, 12), (62, 20, 8, 5, 3, 2)
_BASKET_SIZES, _BASKET_WEIGHTS = (1, 2, 3, 4, 5, 6, 8), (30, 22, 16, 12, 8, 7, 5)
_DISCOUNT_SHARES = tuple(Decimal(share) for share in ("0.05", "0.10", "0.20", "0.25"))
_ABSENT = object()  # a jsonl key left out altogether (a csv empty field)
_INVALID_VALUES = {  # none of these match the contract patterns; {day} is the business day
    "sold_at": ("{day:%m/%d/%Y} 10:32:00", "{day:%d.%m.%Y} 18:05", "yesterday", "{day:%Y-%m-%d}T10h32"),
    "quantity": ("two", "1.5", "3 pcs", "1e3"),
    "unit_price": ("3,49", "$3.49", "3.49999", "N/A"),
    "discount": ("10%", "0.12345", "free", "-"),
}


@dataclass(frozen=True)
class DayExpectation:
    """What one generated business day holds, and where every row is expected to end up."""

    business_date: date
    keys: tuple[str, ...]
    rows_written: int
    quarantined: Mapping[str, int]  # reason -> rows
    cleaned_rows: int
    returns: int  # cleaned rows with a negative quantity
    net_revenue: Decimal  # sum(quantity * unit_price - discount) over cleaned rows

    @property
    def quarantined_rows(self) -> int:
        """Rows expected in quarantine/sales for the day."""
        return sum(self.quarantined.values())


@dataclass(frozen=True)
class GenerationReport:
    """The landing objects generate_landing wrote, day by day."""

    landing_root: Path
    days: tuple[DayExpectation, ...]

    @property
    def rows_written(self) -> int:
        """Rows written over all days."""
        return sum(day.rows_written for day in self.days)

    @property
    def cleaned_rows(self) -> int:
        """Rows expected in cleaned/sales over all days."""
        return sum(day.cleaned_rows for day in self.days)

    @property
    def keys(self) -> tuple[str, ...]:
        """Object keys written over all days."""
        return tuple(key for day in self.days for key in day.keys)


@dataclass
class _File:
    """One landing object being generated: a store's sales of the day, in one format and dialect."""

    store: Store
    suffix: str
    columns: list[tuple[str, str]]  # (row key, name written in the file)
    time_style: str
    fixed_prices: bool  # "3.4900" rather than "3.49"
    float_quantities: bool  # "2.0", as spreadsheet exports write it (csv only)
    blank_zero_discount: bool  # no discount written as empty / null rather than 0
    crlf: bool
    rows: list[dict]


def generate_landing(
    landing_root: Path,
    start: date,
    days: int,
    seed: int,
    timezone: str,
    rows_per_day: int = 2000,
    progress: bool = False,
) -> GenerationReport:
    """Write `days` days of synthetic sales from `start` under landing_root and return what each day holds."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if rows_per_day < MIN_ROWS_PER_DAY:
        raise ValueError(f"rows_per_day must be at least {MIN_ROWS_PER_DAY}, got {rows_per_day}")
    tz = business_zone(timezone)
    catalog = build_catalog(seed)
    expectations = []
    for offset in tqdm(range(days), desc="generating", unit="day", disable=not progress):
        day = start + timedelta(days=offset)
        files, expectation = _generate_day(catalog, day, seed, tz, rows_per_day)
        for file, key in zip(files, expectation.keys, strict=True):
            write_object(landing_root, key, _render(file))
        expectations.append(expectation)
    return GenerationReport(landing_root, tuple(expectations))


def day_records(day: date, seed: int, timezone: str, rows_per_day: int = 2000) -> list[dict]:
    """Every row generate_landing writes for day, over all stores, as JSON records (what the sales API serves)."""
    files, _ = _generate_day(build_catalog(seed), day, seed, business_zone(timezone), rows_per_day)
    return [json.loads(line) for file in files for line in _jsonl_bytes(file).decode("utf-8").splitlines()]


def _generate_day(catalog: Catalog, day: date, seed: int, tz, rows_per_day: int) -> tuple[list[_File], DayExpectation]:
    """The files of one day and their expectation; seeded by (seed, day) so a day never depends on the range."""
    rng = random.Random(f"{seed}:{day.isoformat()}")
    bad_each = max(1, round(rows_per_day * BAD_ROW_RATE))
    duplicates = max(1, round(rows_per_day * DUPLICATE_RATE))
    files = [_file_spec(rng, store, index, day, len(catalog.stores)) for index, store in enumerate(catalog.stores)]
    sequences = {file.store.store_id: 0 for file in files}

    def transaction_id(file: _File) -> str:
        sequences[file.store.store_id] += 1
        return f"{file.store.store_id}-{day:%Y%m%d}-{sequences[file.store.store_id]:05d}"

    kept = _kept_lines(rng, catalog, files, day, tz, rows_per_day - bad_each * len(BAD_REASONS) - duplicates)
    for file in files:
        # Receipts are numbered in time order, as a till would.
        file.rows.sort(key=lambda row: (row["sold_at"], row["transaction_id"]))
        numbers: dict[str, str] = {}
        for row in file.rows:
            row["transaction_id"] = numbers.setdefault(row["transaction_id"], transaction_id(file))
    for file, row in rng.sample(kept, duplicates):
        file.rows.insert(rng.randrange(len(file.rows) + 1), dict(row))
    text_files = [file for file in files if file.suffix in TEXT_SUFFIXES]
    for reason in BAD_REASONS:
        for _ in range(bad_each):
            file = rng.choice(text_files)
            sold_at, product = _open_moment(rng, file.store, day, tz), rng.choice(catalog.products)
            good = _line(rng, file.store, transaction_id(file), sold_at, None, product)
            file.rows.insert(rng.randrange(len(file.rows) + 1), _spoil(rng, good, reason, day, tz))
    rows = [row for _, row in kept]
    expectation = DayExpectation(
        business_date=day,
        keys=tuple(f"{LANDING_TABLE_PREFIX}/{day.isoformat()}/{_file_name(file, day)}" for file in files),
        rows_written=sum(len(file.rows) for file in files),
        quarantined={**{reason: bad_each for reason in BAD_REASONS}, DUPLICATE: duplicates},
        cleaned_rows=len(rows),
        returns=sum(1 for row in rows if row["quantity"] < 0),
        net_revenue=sum((row["quantity"] * row["unit_price"] - row["discount"] for row in rows), Decimal(0)),
    )
    return files, expectation


def _file_spec(rng: random.Random, store: Store, index: int, day: date, store_count: int) -> _File:
    """How a store writes its file on a day: format, column order and case, value dialect."""
    suffix = SUFFIXES[(index + day.toordinal()) % len(SUFFIXES)]
    keys = list(CONTRACT_COLUMN_NAMES)
    if index == day.toordinal() % store_count:
        keys.append(EXTRA_COLUMN)
    if rng.random() < 0.25:
        rng.shuffle(keys)
    upper = rng.random() < 0.2
    return _File(
        store=store,
        suffix=suffix,
        columns=[(key, key.upper() if upper else key) for key in keys],
        time_style=rng.choices(_TIME_STYLES, _TIME_STYLE_WEIGHTS)[0],
        fixed_prices=rng.random() < 0.5,
        float_quantities=suffix in (".csv", ".csv.gz") and rng.random() < 0.15,
        blank_zero_discount=rng.random() < 0.4,
        crlf=rng.random() < 0.2,
        rows=[],
    )


def _kept_lines(rng, catalog: Catalog, files: list[_File], day: date, tz, count: int) -> list:
    """count valid, distinct lines in baskets added to their store's file, as (file, row) pairs.

    Baskets get provisional ids, unique over the day; the caller renumbers them per store.
    """
    kept, baskets = [], 0
    weights = [store.weight for store in catalog.stores]
    while len(kept) < count:
        # The first baskets visit every store, so no store's file is ever empty.
        file = files[baskets] if baskets < len(files) else rng.choices(files, weights)[0]
        baskets += 1
        store = file.store
        customer = None if store.closes is not None and rng.random() < ANONYMOUS_RATE else rng.choice(catalog.customers)
        basket_id, sold_at = f"{len(kept):06d}", _open_moment(rng, store, day, tz)
        size = min(rng.choices(_BASKET_SIZES, _BASKET_WEIGHTS)[0], count - len(kept))
        # Distinct products in a basket and unique transaction ids keep kept lines distinct from each other.
        for product in rng.sample(catalog.products, size):
            row = _line(rng, store, basket_id, sold_at, customer, product)
            file.rows.append(row)
            kept.append((file, row))
    return kept


def _line(rng, store: Store, basket_id: str, sold_at: datetime, customer: str | None, product: Product) -> dict:
    """One valid sales line (a return ~RETURN_RATE of the time)."""
    quantity = rng.choices(_QUANTITIES, _QUANTITY_WEIGHTS)[0]
    discount = Decimal(0)
    if rng.random() < RETURN_RATE:
        quantity = -quantity
    elif rng.random() < DISCOUNT_RATE:
        discount = (quantity * product.price * rng.choice(_DISCOUNT_SHARES)).quantize(_CENT, ROUND_HALF_UP)
    register = "app" if store.closes is None else f"R{rng.randint(1, 6)}"
    return {
        "transaction_id": basket_id,
        "sold_at": sold_at,
        "store_id": store.store_id,
        "product_id": product.product_id,
        "product_name": product.name,
        "category": product.category,
        "brand": product.brand,
        "quantity": quantity,
        "unit_price": product.price,
        "discount": discount,
        "customer_id": customer,
        EXTRA_COLUMN: register,
    }


def _spoil(rng: random.Random, row: dict, reason: str, day: date, tz) -> dict:
    """A copy of a valid row broken so that exactly `reason` (and no earlier rule) rejects it."""
    row = dict(row)
    if reason.startswith("missing_"):
        row[reason.removeprefix("missing_")] = rng.choice((None, "", _ABSENT))
    elif reason.startswith("invalid_"):
        column = reason.removeprefix("invalid_")
        row[column] = rng.choice(_INVALID_VALUES[column]).format(day=day)
    elif reason == NEGATIVE_PRICE:
        row["unit_price"] = -row["unit_price"]
    elif reason == ZERO_QUANTITY:
        row["quantity"] = 0
    elif reason == OUTSIDE_PARTITION:
        # Late evening of the day before or early morning of the day after, as a store whose clock is off.
        before = rng.random() < 0.5
        first = datetime.combine(day - timedelta(days=1), time(21), tz) if before else _midnight(day, 1, tz)
        row["sold_at"] = _moment(rng, first, first + timedelta(hours=3), tz)
    return row


def _open_moment(rng: random.Random, store: Store, day: date, tz) -> datetime:
    """A random moment of day while the store is open, as wall-clock time in tz."""
    closes = _midnight(day, 1, tz) if store.closes is None else datetime.combine(day, store.closes, tz)
    return _moment(rng, datetime.combine(day, store.opens, tz), closes, tz)


def _midnight(day: date, days_after: int, tz) -> datetime:
    """Midnight starting the day days_after days after day, in tz."""
    return datetime.combine(day + timedelta(days=days_after), time(0), tz)


def _moment(rng: random.Random, first: datetime, last: datetime, tz) -> datetime:
    """A random instant in [first, last) with milliseconds, in tz."""
    # Aware datetimes sharing a tzinfo subtract as wall times; UTC makes 23- and 25-hour days right.
    first, last = first.astimezone(UTC), last.astimezone(UTC)
    span = int((last - first).total_seconds())
    return (first + timedelta(seconds=rng.randrange(span), milliseconds=rng.randrange(1000))).astimezone(tz)


def _file_name(file: _File, day: date) -> str:
    """The object name a store gives its daily export."""
    return f"{file.store.store_id.lower()}_sales_{day:%Y%m%d}{file.suffix}"


def _render(file: _File) -> bytes:
    """The bytes of a file in its format."""
    if file.suffix == ".parquet":
        return _parquet_bytes(file)
    if file.suffix == ".jsonl":
        return _jsonl_bytes(file)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if file.crlf else "\n")
    writer.writerow(name for _, name in file.columns)
    for row in file.rows:
        writer.writerow("" if (text := _text(file, key, row.get(key))) is None else text for key, _ in file.columns)
    data = buffer.getvalue().encode("utf-8")
    # mtime=0 and no file name in the gzip header keep the bytes a function of the seed.
    return gzip.compress(data, mtime=0) if file.suffix == ".csv.gz" else data


def _jsonl_bytes(file: _File) -> bytes:
    """JSON Lines: quantity as a JSON integer, money as strings (a JSON number would be read as a double)."""
    lines = []
    for row in file.rows:
        record = {}
        for key, name in file.columns:
            value = row.get(key)
            if value is not _ABSENT:
                record[name] = value if type(value) is int else _text(file, key, value)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def _parquet_bytes(file: _File) -> bytes:
    """Parquet with real types: int64 quantity, decimal(18,4) money, UTC-adjusted timestamps."""
    # Imported here: the sales API's Lambda function serves JSON and ships without pyarrow.
    import pyarrow as pa
    import pyarrow.parquet as pq

    money = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
    types = {"sold_at": pa.timestamp("us", tz="UTC"), "quantity": pa.int64(), "unit_price": money, "discount": money}
    columns = {}
    for key, name in file.columns:
        values = [row.get(key) for row in file.rows]
        if key == "discount" and file.blank_zero_discount:
            values = [None if value == 0 else value for value in values]
        columns[name] = pa.array(values, type=types.get(key, pa.string()))
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def _text(file: _File, key: str, value) -> str | None:
    """A value as the file's dialect writes it as text; None for an empty field."""
    if value is None or value is _ABSENT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return _time_text(value, file.time_style)
    if isinstance(value, int):
        return f"{value}.0" if file.float_quantities else str(value)
    if key == "discount" and value == 0 and file.blank_zero_discount:
        return None
    return f"{value:.4f}" if file.fixed_prices else str(value)


def _time_text(moment: datetime, style: str) -> str:
    """sold_at in one of the renderings stores use."""
    if style == "utc":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if style == "offset":
        return moment.isoformat(timespec="seconds")
    if style == "compact":
        return moment.strftime("%Y-%m-%d %H:%M:%S%z")
    return moment.strftime("%Y-%m-%d %H:%M:%S")
