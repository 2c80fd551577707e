"""The reports: which declared table each writes, per day or per month, and the order of its exported rows."""

from dataclasses import dataclass

from retail_assets.tables import (
    BRAND_SALES_MONTHLY_TABLE,
    CATEGORY_SALES_MONTHLY_TABLE,
    SALES_BY_DAY_TABLE,
    STORE_SALES_MONTHLY_TABLE,
    TOP_PRODUCTS_MONTHLY_TABLE,
    Table,
)

DAY, MONTH = "day", "month"


@dataclass(frozen=True)
class Report:
    """A report table in the final zone, written by sql/report_<table>.sql."""

    declared: Table
    grain: str  # DAY: one partition per business day; MONTH: the month's first day names its partition
    # The columns that order an export's rows, after business_date: exports are byte-stable for the same data.
    sort_keys: tuple[str, ...]

    @property
    def table(self) -> str:
        """The table's name in the final zone."""
        return self.declared.name

    @property
    def description(self) -> str:
        """What the table holds."""
        return self.declared.description

    @property
    def schema(self):
        """The Arrow schema of its files (the partition aside), in the SQL's SELECT order."""
        return self.declared.file_schema()

    @property
    def sql_name(self) -> str:
        """The SQL file's name, without .sql."""
        return f"report_{self.table}"


REPORTS = (
    Report(SALES_BY_DAY_TABLE, DAY, ()),
    Report(BRAND_SALES_MONTHLY_TABLE, MONTH, ("brand",)),
    Report(CATEGORY_SALES_MONTHLY_TABLE, MONTH, ("category",)),
    Report(STORE_SALES_MONTHLY_TABLE, MONTH, ("store_id",)),
    Report(TOP_PRODUCTS_MONTHLY_TABLE, MONTH, ("product_rank",)),
)
REPORTS_BY_TABLE = {report.table: report for report in REPORTS}
# The reports QuickSight's datasets read, one dataset each (the dashboard asset refreshes their SPICE copies).
QUICKSIGHT_REPORTS = ("sales_by_day", "brand_sales_monthly")
