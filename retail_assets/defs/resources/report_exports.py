"""The report-exports role: one month of a report table written as Parquet and CSV under the lake's reports/."""

import re
from abc import abstractmethod
from dataclasses import dataclass

import dagster as dg
from sqlglot import exp

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.report_tables import Report
from retail_assets.defs.resources.lake import Lake

EXPORTS_PREFIX = "reports"
EXPORT_FORMATS = ("parquet", "csv")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ExportedFile:
    """One file of an export: its format, where it is, and how many rows it holds."""

    format: str
    uri: str
    rows: int


def validate_month(month: str) -> str:
    """Return month if it is YYYY-MM, else raise ValueError."""
    if not _MONTH.match(month or ""):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    return month


def month_folder(lake: Lake, report: Report, month: str) -> str:
    """Filesystem path of one month's export of a report: reports/<table>/month=YYYY-MM."""
    return f"{lake.lake_base()}/{EXPORTS_PREFIX}/{report.table}/month={validate_month(month)}"


def export_select(report: Report) -> exp.Select:
    """SELECT the month's rows of the report (one ? parameter: YYYY-MM), in a stable order."""
    month_of_row = exp.func("SUBSTR", exp.column(PARTITION_COLUMN), exp.Literal.number(1), exp.Literal.number(7))
    return (
        exp.select("*")
        .from_(exp.table_(report.table, db="final"))
        .where(exp.EQ(this=month_of_row, expression=exp.Placeholder()))
        .order_by(*[exp.column(name) for name in (PARTITION_COLUMN, *report.sort_keys)])
    )


class ReportExports(dg.ConfigurableResource):
    """Writes a report's month to reports/<table>/month=YYYY-MM/{parquet,csv}/, replacing what was there."""

    @abstractmethod
    def export_month(self, report: Report, month: str) -> list[ExportedFile]:
        """Replace the month's export files of the report; none when the report table holds no data at all."""
