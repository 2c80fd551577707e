"""The local report exports: DuckDB's COPY ... TO over the catalog's views, each file swapped in whole."""

import uuid
from pathlib import Path

from retail_assets.defs.report_tables import Report
from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.local.athena import table_exists
from retail_assets.defs.resources.local.catalog import catalog_connection
from retail_assets.defs.resources.pinned import PinnedFields
from retail_assets.defs.resources.report_exports import (
    EXPORT_FORMATS,
    ExportedFile,
    ReportExports,
    export_select,
    month_folder,
)

_COPY_OPTIONS = {"parquet": "FORMAT parquet, COMPRESSION snappy", "csv": "FORMAT csv, HEADER true"}


class LocalReportExports(PinnedFields, ReportExports):
    """DuckDB's COPY (SELECT ...) TO a file, over the catalog's views."""

    pinned = ("catalog_path",)

    catalog_path: str
    lake: Lake

    def export_month(self, report: Report, month: str) -> list[ExportedFile]:
        lake = self.lake
        folder = month_folder(lake, report, month)
        filesystem = lake.filesystem()
        exported = []
        with catalog_connection(Path(self.catalog_path)) as connection:
            if not table_exists(connection, "final", report.table):
                lake.delete_folder(folder)
                return []
            select = export_select(report).sql(dialect="duckdb")
            for export_format in EXPORT_FORMATS:
                target = f"{folder}/{export_format}/{report.table}.{export_format}"
                if "'" in target:
                    raise ValueError(f"a lake path may not contain a quote: {target!r}")
                filesystem.create_dir(f"{folder}/{export_format}")
                # Written beside the file, then renamed over it: a reader never sees half a file.
                partial = f"{folder}/{export_format}/_partial-{uuid.uuid4().hex}"
                # COPY takes its target as a literal only; the path is built from validated names.
                rows = connection.execute(
                    f"COPY ({select}) TO '{partial}' ({_COPY_OPTIONS[export_format]})", [month]
                ).fetchall()[0][0]
                filesystem.move(partial, target)
                exported.append(ExportedFile(export_format, lake.uri(target), rows))
        return exported
