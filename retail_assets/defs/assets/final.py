"""final/daily_sales: the Athena aggregate of cleaned sales per day, store and product."""

import dagster as dg

from retail_assets.defs.assets.cleaned import CLEANED_SALES
from retail_assets.defs.assets.column_lineage import sql_column_lineage
from retail_assets.defs.assets.day_figures import OWNERS, day_table, lake_table_metadata, record_days
from retail_assets.defs.assets.ranges import partition_days
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.resources.athena import SQL_DIR, Athena
from retail_assets.defs.resources.crawler import Crawler, table_schema_metadata
from retail_assets.defs.resources.lake import Lake

FINAL_DAILY_SALES = dg.AssetKey(["final", "daily_sales"])
INSERT_SQL = SQL_DIR / "insert_final_daily_sales.sql"
# Parsed from the SQL file that Athena runs: the lineage cannot drift from the statement.
COLUMN_LINEAGE = sql_column_lineage(INSERT_SQL)


@dg.asset(
    key=FINAL_DAILY_SALES,
    deps=[CLEANED_SALES],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="final",
    owners=OWNERS,
    kinds={"athena", "sql", "parquet"},
    description="One row per business day, store and product (Athena: sql/insert_final_daily_sales.sql).",
    metadata={"dagster/column_lineage": COLUMN_LINEAGE},
)
def final_daily_sales(context: dg.AssetExecutionContext, athena: Athena, crawler: Crawler, lake: Lake):
    """Rewrite the days of the range with one INSERT ... SELECT per chunk, then crawl final."""
    days = partition_days(context)
    rows_by_day: dict[str, int] = {}
    queries = []
    for chunk in chunks(days):
        written = athena.replace_days("insert_final_daily_sales", chunk)
        rows_by_day.update(written.rows_by_day)
        queries.append(written.metadata)
        context.log.info(f"{chunk[0]}...{chunk[-1]}: {sum(written.rows_by_day.values())} rows, {written.metadata}")
    net = net_revenue_by_day(lake, days)
    figures = {day: {"day": day, "rows": rows_by_day.get(day, 0), "net_revenue": str(net.get(day, 0))} for day in days}
    record_days(
        context,
        FINAL_DAILY_SALES,
        {day: {"dagster/row_count": row["rows"], "net_revenue": row["net_revenue"]} for day, row in figures.items()},
    )
    columns = crawler.crawl("final", "daily_sales")
    return dg.MaterializeResult(
        metadata={
            "days": day_table(list(figures.values())),
            "queries": dg.MetadataValue.json(queries),
            "sql": dg.MetadataValue.path("retail_assets/defs/sql/insert_final_daily_sales.sql"),
            **lake_table_metadata(lake, "final", "daily_sales"),
            "dagster/column_schema": table_schema_metadata(columns),
            "dagster/column_lineage": COLUMN_LINEAGE,
        }
    )


def net_revenue_by_day(lake: Lake, days: list[str]) -> dict[str, object]:
    """Exact net revenue per day as final holds it (pyarrow adds decimals exactly)."""
    rows = lake.read_days("final", "daily_sales", days, columns=["net_revenue", "business_date"])
    if rows is None:
        return {}
    sums = rows.group_by("business_date").aggregate([("net_revenue", "sum")]).to_pylist()
    return {row["business_date"]: row["net_revenue_sum"] for row in sums}
