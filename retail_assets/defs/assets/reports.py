"""The report tables below final: one Athena SQL file each, replaced like final, then exported per month."""

import dagster as dg

from retail_assets.defs.assets.cleaned import CLEANED_SALES
from retail_assets.defs.assets.final import FINAL_DAILY_SALES
from retail_assets.defs.automation.report_automation import AFTER_NEW_DAYS, REPORTS_GROUP
from retail_assets.defs.partitions import chunks, daily_partitions
from retail_assets.defs.report_tables import DAY, REPORTS, Report
from retail_assets.defs.resources.athena import Athena
from retail_assets.defs.resources.crawler import Crawler, table_schema_metadata
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.report_exports import ReportExports
from retail_assets.settings import validate_day


def report_key(report: Report) -> dg.AssetKey:
    """The asset key of a report table: final/<table>."""
    return dg.AssetKey(["final", report.table])


def _report_asset(report: Report) -> dg.AssetsDefinition:
    """The asset of one report: its SQL per chunk of partitions, a crawl of final, the months' exports."""
    # Every report is partitioned by business day, as the pipeline is, so that one ranged run (Dagster's CLI
    # `--select '*' --partition-range`, `dg launch`, a single-run backfill) covers every asset: Dagster runs a range
    # only when all selected assets take its keys. A monthly report's run of some days rewrites the months those
    # days fall in, from every loaded day of those months.
    upstream = CLEANED_SALES if report.grain == DAY else FINAL_DAILY_SALES

    @dg.asset(
        key=report_key(report),
        deps=[upstream],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=REPORTS_GROUP,
        kinds={"athena", "sql", "parquet", "csv"},
        automation_condition=AFTER_NEW_DAYS,
        description=f"{report.description} (Athena: sql/{report.sql_name}.sql; exported to reports/).",
    )
    def report_table(
        context: dg.AssetExecutionContext, athena: Athena, crawler: Crawler, lake: Lake, report_exports: ReportExports
    ) -> dg.MaterializeResult:
        keys = [validate_day(key, "partition") for key in context.partition_keys]
        # A monthly table's partition column holds the month's first day.
        targets = keys if report.grain == DAY else sorted({f"{key[:7]}-01" for key in keys})
        rows_by_partition: dict[str, int] = {}
        queries = []
        for chunk in chunks(targets):
            written = athena.replace_days(report.sql_name, chunk)
            rows_by_partition.update(written.rows_by_day)
            queries.append(written.metadata)
        columns = crawler.crawl("final", report.table)
        months = sorted({key[:7] for key in keys})
        exports = [
            {"month": month, "format": file.format, "uri": file.uri, "rows": file.rows}
            for month in months
            for file in report_exports.export_month(report, month)
        ]
        context.log.info(f"{report.table}: {sum(rows_by_partition.values())} rows, {len(exports)} export files")
        return dg.MaterializeResult(
            metadata={
                "rows_written": sum(rows_by_partition.values()),
                "rows_by_partition": dg.MetadataValue.json(rows_by_partition),
                "exports": dg.MetadataValue.json(exports),
                "queries": dg.MetadataValue.json(queries),
                "path": lake.table_uri("final", report.table),
                "sql": dg.MetadataValue.path(f"retail_assets/defs/sql/{report.sql_name}.sql"),
                "dagster/column_schema": table_schema_metadata(columns),
            }
        )

    return report_table


REPORT_ASSETS = [_report_asset(report) for report in REPORTS]
