"""The table declarations against what is written elsewhere: the migration DDL, the Athena SQL, the models, the lake."""

from decimal import Decimal

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from retail_assets.defs.checks.models import CleanedSales, DailySales, LandingValues, QuarantineSales
from retail_assets.defs.resources.athena import SQL_DIR
from retail_assets.defs.resources.crawler import table_schema_metadata
from retail_assets.defs.resources.local.athena import LocalAthena
from retail_assets.defs.resources.local.crawler import LocalCrawler
from retail_assets.tables import (
    CLEANED_SALES_TABLE,
    DAILY_SALES_TABLE,
    QUARANTINE_SALES_TABLE,
    RAW_SALES_TABLE,
    TABLES,
    WAREHOUSE_COLUMNS,
    WAREHOUSE_OWN_COLUMNS,
    WAREHOUSE_TABLE,
    hive_type,
)
from retail_assets.warehouse.migrate import migrate, migration_files
from retail_assets_tests.support.lake_builders import CLEANED_SCHEMA, cleaned_row, lake_at, write_day


def postgres_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type retail.daily_sales must give a declared Arrow type."""
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type) and arrow_type.tz == "UTC":
        return "timestamptz"
    return {pa.string(): "text", pa.int64(): "bigint", pa.date32(): "date"}[arrow_type]


def declared_ddl_columns() -> list[tuple[str, str, bool]]:
    """(name, PostgreSQL type as sqlglot writes it, nullable) of every declared column of retail.daily_sales."""
    return [
        (
            column.name,
            exp.DataType.build(postgres_type(column.type), dialect="postgres").sql("postgres"),
            column.nullable,
        )
        for column in (*WAREHOUSE_COLUMNS, *WAREHOUSE_OWN_COLUMNS)
    ]


def create_daily_sales() -> exp.Create:
    """The one CREATE TABLE of retail.daily_sales among the migrations; no migration alters it (yet)."""
    statements = [s for _, text in migration_files() for s in sqlglot.parse(text, read="postgres")]
    touching = [s for s in statements if s.find(exp.Table) and s.find(exp.Table).sql("postgres") == WAREHOUSE_TABLE]
    creates = [s for s in touching if isinstance(s, exp.Create) and s.kind == "TABLE"]
    assert len(creates) == 1, "retail.daily_sales is created exactly once"
    assert touching == creates, "a migration alters retail.daily_sales: extend this test to replay it"
    return creates[0]


def test_migration_ddl_matches_the_declaration():
    create = create_daily_sales()
    definitions = create.this.expressions
    columns = [
        (
            column.name,
            column.args["kind"].sql("postgres"),
            not any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in column.constraints),
        )
        for column in definitions
        if isinstance(column, exp.ColumnDef)
    ]
    assert columns == declared_ddl_columns()
    (key,) = [d for d in definitions if isinstance(d, exp.PrimaryKey)]
    assert tuple(part.name for part in key.expressions) == DAILY_SALES_TABLE.key


def test_the_migrated_table_matches_the_declaration(postgres_url):
    migrate(postgres_url)
    query = """
        SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable = 'YES'
        FROM information_schema.columns WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position
    """
    schema, name = WAREHOUSE_TABLE.split(".")
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute(query, (schema, name)).fetchall()
    names = {"text": "text", "bigint": "bigint", "date": "date", "timestamp with time zone": "timestamptz"}
    stored = [
        (column, f"numeric({precision},{scale})" if kind == "numeric" else names[kind], nullable)
        for column, kind, precision, scale, nullable in found
    ]
    declared = [(c.name, postgres_type(c.type), c.nullable) for c in (*WAREHOUSE_COLUMNS, *WAREHOUSE_OWN_COLUMNS)]
    assert stored == declared


def athena_type(arrow_type: pa.DataType) -> str:
    """A declared type as sqlglot's Athena dialect writes it."""
    return exp.DataType.build(hive_type(arrow_type), dialect="athena").sql("athena")


def test_final_sql_selects_the_declared_columns_in_catalog_order():
    insert = sqlglot.parse_one((SQL_DIR / "insert_final_daily_sales.sql").read_text(), read="athena")
    assert insert.this.sql("athena") == f"{DAILY_SALES_TABLE.zone}.{DAILY_SALES_TABLE.name}"
    # The types each expression gets from cleaned/sales as declared: Athena's INSERT is positional, so the
    # select list must be final's columns in the catalog's order, the partition last, each of its declared type.
    cleaned = {field.name: hive_type(field.type) for field in CLEANED_SALES_TABLE.lake_schema()}
    schema = {CLEANED_SALES_TABLE.zone: {CLEANED_SALES_TABLE.name: cleaned}}
    select = annotate_types(qualify(insert.expression, schema=schema, dialect="athena"), schema=schema)
    selected = [(projection.alias_or_name, projection.type.sql("athena")) for projection in select.selects]
    lake = DAILY_SALES_TABLE.lake_schema()
    assert selected == [(field.name, athena_type(field.type)) for field in lake]


def test_final_sql_writes_the_declared_file_schema(tmp_path):
    lake, catalog = lake_at(tmp_path), str(tmp_path / "catalog.duckdb")
    write_day(lake, "cleaned", "sales", "2024-03-02", [cleaned_row(1), cleaned_row(2, quantity=-1)], CLEANED_SCHEMA)
    crawler = LocalCrawler(catalog_path=catalog, lake=lake)
    crawler.crawl("cleaned", "sales")
    LocalAthena(catalog_path=catalog, lake=lake, crawler=crawler).replace_days(
        "insert_final_daily_sales", ["2024-03-02"]
    )
    (path,) = lake.day_files("final", "daily_sales", "2024-03-02")
    written = pq.read_schema(path, filesystem=lake.filesystem())
    assert [(f.name, f.type) for f in written] == [(f.name, f.type) for f in DAILY_SALES_TABLE.file_schema()]
    rows = lake.read_days("final", "daily_sales", ["2024-03-02"]).to_pylist()
    assert sorted(row["net_revenue"] for row in rows) == [Decimal("-1.2500"), Decimal("2.5000")]


@pytest.mark.parametrize(
    ("model", "table"),
    [
        (LandingValues, RAW_SALES_TABLE),
        (CleanedSales, CLEANED_SALES_TABLE),
        (QuarantineSales, QUARANTINE_SALES_TABLE),
        (DailySales, DAILY_SALES_TABLE),
    ],
)
def test_models_take_names_and_nullability_from_the_declaration(model, table):
    columns = model.to_schema().columns
    assert columns, model
    for name, column in columns.items():
        assert column.nullable == table.column(name).nullable, name


def test_model_types_follow_the_declared_arrow_types():
    columns = CleanedSales.to_schema().columns
    kinds = {name: str(columns[name].dtype) for name in ("sold_at", "quantity", "unit_price", "is_return", "store_id")}
    assert kinds == {
        "sold_at": "datetime64[ns, UTC]",
        "quantity": "int64",
        "unit_price": "object",
        "is_return": "bool",
        "store_id": "string[pyarrow]",
    }
    lineage = QuarantineSales.to_schema().columns
    assert [str(lineage[name].dtype) for name in ("_source_object", "_line_number")] == ["string[pyarrow]", "int64"]


def test_every_declared_column_is_described_and_names_are_unique():
    for table in TABLES:
        names = [*table.names, table.partition.name]
        assert len(set(names)) == len(names), table.name
        assert all(table.column(name).description for name in names)
        assert set(table.key) <= set(names)
    with pytest.raises(KeyError, match="final/daily_sales has no column 'quantity'"):
        DAILY_SALES_TABLE.column("quantity")


def test_lake_schema_puts_the_partition_last_as_text():
    schema = RAW_SALES_TABLE.lake_schema()
    assert schema.names[-1] == "business_date" and schema.field("business_date").type == pa.string()
    assert schema.names[:11] == [
        "transaction_id", "sold_at", "store_id", "product_id", "product_name", "category", "brand",
        "quantity", "unit_price", "discount", "customer_id",
    ]  # fmt: skip
    assert {schema.field(name).type for name in schema.names[:12]} == {pa.string()}
    assert schema.names[11:-1] == [
        "_unparsed_line", "_source_record", "_recipe", "_recipe_sha256", "_recipe_failure", "_recipe_error",
        "_source_object", "_source_md5", "_source_bytes", "_line_number",
    ]  # fmt: skip


def test_hive_type():
    assert [hive_type(t) for t in (pa.string(), pa.int64(), pa.decimal128(18, 4), pa.timestamp("us", tz="UTC"))] == [
        "string",
        "bigint",
        "decimal(18,4)",
        "timestamp",
    ]
    with pytest.raises(ValueError, match="no Glue type for large_string"):
        hive_type(pa.large_string())


def test_column_schema_metadata_carries_the_declared_descriptions():
    schema = table_schema_metadata([("units_returned", "bigint"), ("pos_register", "string")])
    assert [(c.name, c.type, c.description) for c in schema.columns] == [
        ("units_returned", "bigint", "Minus the sum of the negative quantities."),
        ("pos_register", "string", None),
    ]
