"""Every table of the pipeline, declared once: raw, cleaned and quarantine sales, daily_sales (final and Aurora),
and the purchase propensity tables (the customer feature snapshot, the scores in Aurora).

The Glue catalog input, the loader's COPY schema, the pandera models' columns and types, Dagster's column schema
metadata and the test builders are derived from these declarations; tests hold the migration DDL and the Athena
SQL to them. The landing contract itself (names, required, value kinds) stays in glue_scripts.sales_contract,
which the Glue jobs import; raw, cleaned and quarantine are built from it here.
"""

from dataclasses import dataclass

import pyarrow as pa

from glue_scripts.sales_contract import (
    CONTRACT_COLUMNS,
    LINE_NUMBER,
    MONEY_PRECISION,
    MONEY_SCALE,
    PARTITION_COLUMN,
    REASON,
    RECIPE,
    RECIPE_COLUMNS,
    RECIPE_ERROR,
    RECIPE_FAILURE,
    RECIPE_SHA256,
    SOURCE_BYTES,
    SOURCE_MD5,
    SOURCE_OBJECT,
    SOURCE_RECORD,
    UNPARSED_LINE,
)
from retail_assets.propensity.features import DAY_PARTS, FEATURES, WEEKDAYS, WINDOWS

MONEY = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

# One meaning per column name, whatever the table: raw's text quantity and cleaned's integer are the same field.
DESCRIPTIONS = {
    "transaction_id": "Receipt, basket or invoice number.",
    "sold_at": "When the sale happened (raw: as landed; cleaned: an instant, in UTC).",
    "store_id": "Store, channel or country: where the sale happened.",
    "product_id": "SKU / stock code.",
    "product_name": "Product name as the store sent it.",
    "category": "Product category as the store sent it.",
    "brand": "Product brand as the store sent it.",
    "quantity": "Units on the line; negative is a return or a cancellation.",
    "unit_price": "Price of one unit, in the store currency.",
    "discount": "Amount off the whole line (cleaned: 0 when none landed).",
    "customer_id": "Customer identifier, when the store knows it.",
    "line_amount": "quantity * unit_price - discount, exact.",
    "is_return": "quantity < 0.",
    UNPARSED_LINE: "The landed line's text when it did not parse as a row of its file, else null.",
    SOURCE_RECORD: "The record as it landed, decoded (a Parquet row as JSON), when a source recipe read it.",
    RECIPE: "The source recipe that mapped the row (glue_scripts/recipes/library/<name>.yaml), else null.",
    RECIPE_SHA256: "SHA-256 of that recipe's file: the version that mapped the row.",
    RECIPE_FAILURE: "recipe:<name>:<step> when the recipe could not map the row (its quarantine reason), else null.",
    RECIPE_ERROR: "Why the recipe could not map the row, else null.",
    SOURCE_OBJECT: "URI of the landing object the row came from.",
    SOURCE_MD5: "MD5 of the landing object's bytes, as ingested.",
    SOURCE_BYTES: "Size of the landing object in bytes, as ingested.",
    LINE_NUMBER: "Line (or row) of the row in its landing object, from 1; 0 for an object that could not be read.",
    REASON: "The first cleaning rule the row broke (DESIGN.md, 'Cleaning rules').",
    PARTITION_COLUMN: "Business day of the row, in the business time zone (the partition).",
    "units_sold": "Sum of the positive quantities.",
    "units_returned": "Minus the sum of the negative quantities.",
    "gross_revenue": "Sum of line_amount of sales.",
    "returns_amount": "Minus the sum of line_amount of returns.",
    "net_revenue": "Sum of all line_amount.",
    "transactions": "Distinct transactions: transaction_id within its store.",
    "customers": "Distinct non-empty customer_id.",
    "loaded_at": "When the warehouse loaded the row.",
    "month": "Calendar month of the business days summed, YYYY-MM.",
    "product_rank": "Place of the product in its month by net revenue, from 1; ties by product_id.",
    # Purchase propensity: the features of a customer as of a cutoff day (lines of days strictly before it).
    "recency_days": "Days from the last purchase to the cutoff.",
    **{
        f"frequency_{w}d": f"Purchases (transactions with a sold line) in the {w} days before the cutoff."
        for w in WINDOWS
    },
    **{f"monetary_{w}d": f"Net line_amount, returns included, in the {w} days before the cutoff." for w in WINDOWS},
    "returns_share_365d": "Returned amount over sold amount in the 365 days before the cutoff.",
    "basket_size_365d": "Units sold per purchase in the 365 days before the cutoff.",
    "distinct_products_365d": "Distinct products bought in the 365 days before the cutoff.",
    "distinct_categories_365d": "Distinct categories bought in the 365 days before the cutoff.",
    "days_since_first_purchase": "Days from the first purchase to the cutoff.",
    **{f"weekday_share_{day}": f"Share of the 365-day purchases made on a {day} (business time)." for day in WEEKDAYS},
    **{
        f"hour_share_{part}": f"Share of the 365-day purchases made in the {part} (business time)."
        for part in DAY_PARTS
    },
    "cutoff": "The day the features are as of: they read lines of earlier business days only.",
    "score": "Probability of a purchase within the horizon after the features' cutoff, from the model.",
    "decile": "1 for the tenth of customers with the highest scores, 10 for the lowest.",
    "model_version": "The accepted model version that scored the customer.",
    "scored_at": "When the scores were written.",
}

# Glue (Hive) types of the Arrow types the lake holds; decimals and timestamps are parameterised, see hive_type.
HIVE_TYPES = {
    pa.string(): "string",
    pa.int64(): "bigint",
    pa.int32(): "int",
    pa.bool_(): "boolean",
    pa.float64(): "double",
    pa.date32(): "date",
}


@dataclass(frozen=True)
class Column:
    """One column: its Arrow type, whether it may be null, and whether sums of it over rows are reconciled."""

    name: str
    type: pa.DataType
    nullable: bool
    additive: bool = False

    @property
    def description(self) -> str:
        """The column's one description."""
        return DESCRIPTIONS[self.name]


@dataclass(frozen=True)
class Table:
    """A lake table (zone/name, Parquet files in business_date=YYYY-MM-DD folders) and its columns in file order."""

    zone: str
    name: str
    description: str
    columns: tuple[Column, ...]
    # The partition key: a date; the lake and every catalog keep it as a YYYY-MM-DD string (the folder name).
    # None for a table replaced as a whole (the propensity tables).
    partition: Column | None = Column(PARTITION_COLUMN, pa.date32(), nullable=False)
    # The columns that identify a row, if the table has such a key (the warehouse's primary key).
    key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The file columns' names, in order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        """A column by name, the partition included."""
        for column in (*self.columns, *([self.partition] if self.partition else [])):
            if column.name == name:
                return column
        raise KeyError(f"{self.zone}/{self.name} has no column {name!r}")

    def file_schema(self) -> pa.Schema:
        """The Arrow schema of one partition file (no partition column; nullability is the checks' business)."""
        return pa.schema([(column.name, column.type) for column in self.columns])

    def lake_schema(self) -> pa.Schema:
        """The schema a reader of the table sees: the file columns, then the partition as text."""
        return self.file_schema().append(pa.field(self.partition.name, pa.string()))


def hive_type(arrow_type: pa.DataType) -> str:
    """The Glue catalog (Hive) type of an Arrow type, as a Glue crawler gives it to a Parquet column."""
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if arrow_type not in HIVE_TYPES:
        raise ValueError(f"no Glue type for {arrow_type}")
    return HIVE_TYPES[arrow_type]


def _landed_text() -> tuple[Column, ...]:
    """Raw's and quarantine's contract columns as the text that landed (any may be empty), _unparsed_line, and the
    source recipe's columns (null for an object in the landing contract)."""
    landed = tuple(Column(column.name, pa.string(), nullable=True) for column in CONTRACT_COLUMNS)
    recipe = tuple(Column(name, pa.string(), nullable=True) for name in RECIPE_COLUMNS)
    return (*landed, Column(UNPARSED_LINE, pa.string(), nullable=True), *recipe)


_CLEANED_TYPES = {"string": pa.string(), "timestamp": UTC_TIMESTAMP, "integer": pa.int64(), "decimal": MONEY}
# Cleaned keeps a required value or the discount's default; the other optional columns may be null.
_CLEANED_NOT_NULL = {column.name for column in CONTRACT_COLUMNS if column.required} | {"discount"}

RAW_SALES_TABLE = Table(
    "raw",
    "sales",
    "Every landed row as text, with its lineage; landed columns beyond the contract follow the contract's.",
    (
        *_landed_text(),
        Column(SOURCE_OBJECT, pa.string(), nullable=False),
        Column(SOURCE_MD5, pa.string(), nullable=False),
        Column(SOURCE_BYTES, pa.int64(), nullable=False),
        Column(LINE_NUMBER, pa.int64(), nullable=False),
    ),
)

CLEANED_SALES_TABLE = Table(
    "cleaned",
    "sales",
    "The rows that passed every cleaning rule, typed, with line_amount and is_return.",
    (
        *(
            Column(column.name, _CLEANED_TYPES[column.kind], nullable=column.name not in _CLEANED_NOT_NULL)
            for column in CONTRACT_COLUMNS
        ),
        Column("line_amount", MONEY, nullable=False),
        Column("is_return", pa.bool_(), nullable=False),
        Column(SOURCE_OBJECT, pa.string(), nullable=False),
        Column(LINE_NUMBER, pa.int64(), nullable=False),
    ),
)

QUARANTINE_SALES_TABLE = Table(
    "quarantine",
    "sales",
    "The rows a cleaning rule rejected, as the text that landed, each with its reason and lineage.",
    (
        *_landed_text(),
        Column(REASON, pa.string(), nullable=False),
        Column(SOURCE_OBJECT, pa.string(), nullable=False),
        Column(LINE_NUMBER, pa.int64(), nullable=False),
    ),
)

DAILY_SALES_TABLE = Table(
    "final",
    "daily_sales",
    "One row per business day, store and product (DESIGN.md, 'Final and Aurora tables'); Aurora's "
    "retail.daily_sales holds the same rows.",
    (
        Column("store_id", pa.string(), nullable=False),
        Column("product_id", pa.string(), nullable=False),
        Column("product_name", pa.string(), nullable=True),
        Column("category", pa.string(), nullable=True),
        Column("brand", pa.string(), nullable=True),
        Column("units_sold", pa.int64(), nullable=False, additive=True),
        Column("units_returned", pa.int64(), nullable=False, additive=True),
        Column("gross_revenue", MONEY, nullable=False, additive=True),
        Column("returns_amount", MONEY, nullable=False, additive=True),
        Column("net_revenue", MONEY, nullable=False, additive=True),
        Column("transactions", pa.int64(), nullable=False),
        Column("customers", pa.int64(), nullable=False),
    ),
    key=(PARTITION_COLUMN, "store_id", "product_id"),
)
# retail.daily_sales: the business date first, as a date, then final's columns; loaded_at is the warehouse's own.
WAREHOUSE_TABLE = "retail.daily_sales"
WAREHOUSE_COLUMNS = (DAILY_SALES_TABLE.partition, *DAILY_SALES_TABLE.columns)
WAREHOUSE_OWN_COLUMNS = (Column("loaded_at", UTC_TIMESTAMP, nullable=False),)

# The report tables below final (README, "Reports and dashboards"). A monthly one is partitioned like every lake
# table, by business_date, which holds the first day of its month.
_TOTALS = tuple(column for column in DAILY_SALES_TABLE.columns if column.additive)
MONTH = Column("month", pa.string(), nullable=False)


def _as_in_daily_sales(*names: str) -> tuple[Column, ...]:
    """daily_sales' columns of these names, as declared there."""
    return tuple(DAILY_SALES_TABLE.column(name) for name in names)


SALES_BY_DAY_TABLE = Table(
    "final",
    "sales_by_day",
    "Sales per business day over every store: net, gross, returns, units, transactions and customers.",
    (*_TOTALS, *_as_in_daily_sales("transactions", "customers")),
)


def _monthly_totals(dimension: str, what: str) -> Table:
    """Totals per month and one dimension (no value: '(none)')."""
    return Table(
        "final",
        f"{dimension.removesuffix('_id')}_sales_monthly",
        f"Sales per {what} per month: net, gross, returns and units.",
        (MONTH, Column(dimension, pa.string(), nullable=False), *_TOTALS),
        key=(PARTITION_COLUMN, dimension),
    )


BRAND_SALES_MONTHLY_TABLE = _monthly_totals("brand", "brand")
CATEGORY_SALES_MONTHLY_TABLE = _monthly_totals("category", "category")
STORE_SALES_MONTHLY_TABLE = _monthly_totals("store_id", "store")
TOP_PRODUCTS_MONTHLY_TABLE = Table(
    "final",
    "top_products_monthly",
    "The ten products with the highest net revenue of each month.",
    (
        MONTH,
        Column("product_rank", pa.int64(), nullable=False),
        *_as_in_daily_sales(
            "product_id", "product_name", "brand", "category", "units_sold", "units_returned", "net_revenue"
        ),
    ),
    key=(PARTITION_COLUMN, "product_rank"),
)
REPORT_TABLES = (
    SALES_BY_DAY_TABLE,
    BRAND_SALES_MONTHLY_TABLE,
    CATEGORY_SALES_MONTHLY_TABLE,
    STORE_SALES_MONTHLY_TABLE,
    TOP_PRODUCTS_MONTHLY_TABLE,
)

TABLES = (RAW_SALES_TABLE, CLEANED_SALES_TABLE, QUARANTINE_SALES_TABLE, DAILY_SALES_TABLE, *REPORT_TABLES)

# Purchase propensity: the feature snapshot in the lake and the scores in the warehouse, each replaced as a whole.
CUSTOMER_FEATURES_TABLE = Table(
    "features",
    "customer_features",
    "One row per customer with an id: the model's features as of the cutoff.",
    (
        Column("customer_id", pa.string(), nullable=False),
        *(Column(name, pa.float64(), nullable=False) for name in FEATURES),
        Column("cutoff", pa.string(), nullable=False),
    ),
    partition=None,
    key=("customer_id",),
)
CUSTOMER_PROPENSITY_TABLE = Table(
    "retail",
    "customer_propensity",
    "retail.customer_propensity: every featured customer's score from the accepted model.",
    (
        Column("customer_id", pa.string(), nullable=False),
        Column("score", pa.float64(), nullable=False),
        Column("decile", pa.int16(), nullable=False),
        Column("model_version", pa.string(), nullable=False),
        Column("scored_at", UTC_TIMESTAMP, nullable=False),
    ),
    partition=None,
    key=("customer_id",),
)


def warehouse_schema() -> pa.Schema:
    """retail.daily_sales as the loader's COPY sees it: the declared columns, loaded_at left to the table."""
    return pa.schema([(column.name, column.type) for column in WAREHOUSE_COLUMNS])


def describe(name: str) -> str | None:
    """The declared description of a column name; None for a landed column beyond the contract."""
    return DESCRIPTIONS.get(name)
