"""Report exports on AWS: Athena's UNLOAD writes the Parquet; the CSV is written from it with a header."""

import pyarrow.csv as pacsv
import pyarrow.dataset as ds

from retail_assets.defs.report_tables import Report
from retail_assets.defs.resources.aws.athena import AwsAthena
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.report_exports import ExportedFile, ReportExports, export_select, month_folder


def unload_statement(athena: AwsAthena, report: Report, lake: S3Lake, folder: str) -> str:
    """UNLOAD of the month's rows (one ? parameter) into folder as Snappy Parquet."""
    target = lake.uri(folder) + "/"
    if "'" in target:
        raise ValueError(f"a lake path may not contain a quote: {target!r}")
    select = athena.with_databases(export_select(report)).sql(dialect="athena")
    # UNLOAD is no statement sqlglot models; the SELECT inside is, and the target is built from validated names.
    return f"UNLOAD ({select}) TO '{target}' WITH (format = 'PARQUET', compression = 'SNAPPY')"


class AwsReportExports(ReportExports):
    """UNLOAD in the pipeline's workgroup, then a CSV copy written by pyarrow beside it."""

    athena: AwsAthena

    def export_month(self, report: Report, month: str) -> list[ExportedFile]:
        lake = self.athena.lake
        folder = month_folder(lake, report, month)
        parquet_folder, csv_file = f"{folder}/parquet", f"{folder}/csv/{report.table}.csv"
        # UNLOAD refuses a folder that holds objects: the month's previous export goes first.
        lake.delete_folder(folder)
        self.athena.run_query(unload_statement(self.athena, report, lake, parquet_folder), [f"'{month}'"])
        filesystem = lake.filesystem()
        # UNLOAD's files are many and unordered; the CSV is written in the report's order, with a header (UNLOAD's
        # TEXTFILE format has none and quotes nothing, so a comma in a product name would break its rows).
        rows = ds.dataset(parquet_folder, filesystem=filesystem, format="parquet").to_table()
        rows = rows.sort_by([(name, "ascending") for name in ("business_date", *report.sort_keys)])
        with filesystem.open_output_stream(csv_file) as stream:
            pacsv.write_csv(rows, stream)
        return [
            ExportedFile("parquet", lake.uri(parquet_folder) + "/", rows.num_rows),
            ExportedFile("csv", lake.uri(csv_file), rows.num_rows),
        ]
