"""The report tables: Athena SQL that parses, run on DuckDB, equal to the cleaned rows to the cent, exported."""

import csv
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.dagster_private import partition_range_tags
from retail_assets.defs.assets.reports import REPORT_ASSETS
from retail_assets.defs.report_tables import DAY, MONTH, REPORTS, REPORTS_BY_TABLE
from retail_assets.defs.resources.athena import SQL_DIR, load_insert
from retail_assets.tables import CLEANED_SALES_TABLE, DAILY_SALES_TABLE, hive_type
from retail_assets_tests.support.report_lake import days_from, generated_rows, report_lake, write_cleaned_and_final
from retail_assets_tests.support.report_oracle import expected_reports

# 40 days over three months: February's end, all of March, April's start.
DAYS = days_from("2024-02-25", 40)
MONTHS = ["2024-02-01", "2024-03-01", "2024-04-01"]


@pytest.fixture()
def generated(tmp_path):
    """Backends with 40 generated cleaned days and final/daily_sales built from them."""
    backends = report_lake(tmp_path)
    rows_by_day = generated_rows(DAYS, seed=7)
    write_cleaned_and_final(backends, rows_by_day)
    return backends, rows_by_day


def materialize_reports(backends) -> dict[str, dg.AssetMaterialization]:
    """Run the daily report over the generated days, then the monthly ones over their months: two ranged runs."""
    results = {}
    for grain, (first, last) in ((DAY, (DAYS[0], DAYS[-1])), (MONTH, (MONTHS[0], MONTHS[-1]))):
        assets = [asset for report, asset in zip(REPORTS, REPORT_ASSETS) if report.grain == grain]
        result = dg.materialize(assets, resources=backends.resources(), tags=partition_range_tags(first, last))
        assert result.success
        for asset in assets:
            # One event per partition of the range, all with the run's metadata.
            results[asset.key.path[-1]] = result.asset_materializations_for_node(asset.op.name)[0]
    return results


def table_rows(backends, table: str) -> list[dict]:
    """A report table's rows over the generated range, as the lake holds them, in the report's order."""
    report = REPORTS_BY_TABLE[table]
    rows = backends.lake.read_days("final", table, DAYS if report.grain == DAY else MONTHS).to_pylist()
    return sorted(rows, key=lambda row: [row[PARTITION_COLUMN], *(row[key] for key in report.sort_keys)])


def test_every_report_sql_parses_in_athena_and_matches_its_declared_columns():
    for report in REPORTS:
        path = SQL_DIR / f"{report.sql_name}.sql"
        assert len(sqlglot.parse(path.read_text(), read="athena")) == 1, path
        statement = load_insert(report.sql_name)
        assert (statement.zone, statement.table) == ("final", report.table)
        # The SELECT's output columns are the Glue table's columns, then the partition column, in that order.
        assert statement.select.named_selects == [*report.schema.names, PARTITION_COLUMN], report.table


def test_every_report_sql_gives_its_declared_types():
    # Athena's INSERT is positional and typed by the catalog: each expression must have the declared column's type.
    sources = {table.zone: {} for table in (CLEANED_SALES_TABLE, DAILY_SALES_TABLE)}
    for table in (CLEANED_SALES_TABLE, DAILY_SALES_TABLE):
        sources[table.zone][table.name] = {field.name: hive_type(field.type) for field in table.lake_schema()}
    for report in REPORTS:
        select = load_insert(report.sql_name).select
        typed = annotate_types(qualify(select.copy(), schema=sources, dialect="athena"), schema=sources)
        selected = [(projection.alias_or_name, projection.type.sql("athena")) for projection in typed.selects]
        declared = [(field.name, athena_type(field.type)) for field in report.declared.lake_schema()]
        assert selected == declared, report.table


def athena_type(arrow_type) -> str:
    """A declared type as sqlglot's Athena dialect writes it."""
    return exp.DataType.build(hive_type(arrow_type), dialect="athena").sql("athena")


def test_reports_equal_an_independent_computation_from_the_cleaned_rows(generated):
    backends, rows_by_day = generated
    materialize_reports(backends)
    expected = expected_reports(rows_by_day)
    for report in REPORTS:
        actual = table_rows(backends, report.table)
        assert actual == expected[report.table], report.table
        # Exact decimals, to the cent and below: no float on the way.
        assert all(isinstance(row["net_revenue"], Decimal) for row in actual)
    assert len(expected["top_products_monthly"]) == 30  # ten per month


def test_exports_hold_each_month_as_parquet_and_csv_with_the_table_rows(generated):
    backends, rows_by_day = generated
    results = materialize_reports(backends)
    expected = expected_reports(rows_by_day)
    for report in REPORTS:
        exports = results[report.table].metadata["exports"].data
        assert sorted({export["month"] for export in exports}) == ["2024-02", "2024-03", "2024-04"]
        for export in exports:
            month_rows = [row for row in expected[report.table] if row[PARTITION_COLUMN].startswith(export["month"])]
            path = Path(export["uri"].removeprefix("file://"))
            assert path.parent.parent == Path(backends.lake.lake_base()) / "reports" / report.table / (
                f"month={export['month']}"
            )
            if export["format"] == "parquet":
                rows = pq.read_table(path).to_pylist()
                assert rows == month_rows
            else:
                with path.open(newline="") as handle:
                    rows = list(csv.DictReader(handle))
                assert [row["net_revenue"] for row in rows] == [f"{row['net_revenue']:.4f}" for row in month_rows]
                assert list(rows[0]) == [*report.schema.names, PARTITION_COLUMN]
            assert export["rows"] == len(rows) == len(month_rows) > 0


def test_rerunning_replaces_the_partitions_and_follows_changed_days(generated):
    backends, rows_by_day = generated
    materialize_reports(backends)
    first = {report.table: table_rows(backends, report.table) for report in REPORTS}
    materialize_reports(backends)
    assert {report.table: table_rows(backends, report.table) for report in REPORTS} == first

    # March 10 is restated with fewer lines: the day and its month change, nothing is counted twice.
    rows_by_day["2024-03-10"] = rows_by_day["2024-03-10"][:5]
    write_cleaned_and_final(backends, rows_by_day)
    materialize_reports(backends)
    expected = expected_reports(rows_by_day)
    for report in REPORTS:
        assert table_rows(backends, report.table) == expected[report.table], report.table
    exported = pq.read_table(
        Path(backends.lake.lake_base()) / "reports/sales_by_day/month=2024-03/parquet/sales_by_day.parquet"
    ).to_pylist()
    assert exported == [row for row in expected["sales_by_day"] if row[PARTITION_COLUMN].startswith("2024-03")]
