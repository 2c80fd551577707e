"""What provision asks QuickSight for: an Athena data source, SPICE datasets over report tables, the dashboard."""

import pyarrow as pa

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.report_tables import QUICKSIGHT_REPORTS, REPORTS_BY_TABLE, Report
from retail_assets.provisioning.account import Account
from retail_assets.settings import AwsSettings

# What the principal may do with each resource: QuickSight's "owner" action sets, as its console grants them.
DATA_SOURCE_ACTIONS = sorted(
    f"quicksight:{action}"
    for action in (
        "DescribeDataSource", "DescribeDataSourcePermissions", "PassDataSource", "UpdateDataSource",
        "DeleteDataSource", "UpdateDataSourcePermissions",
    )
)  # fmt: skip
DATASET_ACTIONS = sorted(
    f"quicksight:{action}"
    for action in (
        "DescribeDataSet", "DescribeDataSetPermissions", "PassDataSet", "DescribeIngestion", "ListIngestions",
        "UpdateDataSet", "DeleteDataSet", "CreateIngestion", "CancelIngestion", "UpdateDataSetPermissions",
    )
)  # fmt: skip
DASHBOARD_ACTIONS = sorted(
    f"quicksight:{action}"
    for action in (
        "DescribeDashboard", "ListDashboardVersions", "UpdateDashboardPermissions", "QueryDashboard",
        "UpdateDashboard", "DeleteDashboard", "DescribeDashboardPermissions", "UpdateDashboardPublishedVersion",
    )
)  # fmt: skip
PHYSICAL_TABLE = "report"
_INPUT_TYPES = {pa.string(): "STRING", pa.int64(): "INTEGER"}


def permissions(principal: str, actions: list[str]) -> list[dict]:
    """One principal's resource permissions."""
    return [{"Principal": principal, "Actions": actions}]


def data_source_arn(aws: AwsSettings, account: Account) -> str:
    """The data source's ARN."""
    return account.arn("quicksight", f"datasource/{aws.quicksight_data_source}")


def dataset_arn(aws: AwsSettings, account: Account, table: str) -> str:
    """The ARN of the dataset over a report table."""
    return account.arn("quicksight", f"dataset/{aws.quicksight_dataset(table)}")


def data_source_definition(aws: AwsSettings) -> dict:
    """CreateDataSource's fields (ids aside): Athena, in the pipeline's workgroup."""
    return {
        "Name": f"{aws.prefix} Athena",
        "Type": "ATHENA",
        "DataSourceParameters": {"AthenaParameters": {"WorkGroup": aws.athena_workgroup}},
    }


def input_type(arrow_type: pa.DataType) -> str:
    """QuickSight's input column type of a report column."""
    return "DECIMAL" if pa.types.is_decimal(arrow_type) else _INPUT_TYPES[arrow_type]


def dataset_definition(aws: AwsSettings, account: Account, report: Report) -> dict:
    """CreateDataSet's fields (ids and permissions aside): the Glue table in SPICE, business_date as a date."""
    columns = [{"Name": field.name, "Type": input_type(field.type)} for field in report.schema]
    columns.append({"Name": PARTITION_COLUMN, "Type": "STRING"})
    return {
        "Name": f"{aws.prefix} {report.table}",
        "ImportMode": "SPICE",
        "PhysicalTableMap": {
            PHYSICAL_TABLE: {
                "RelationalTable": {
                    "DataSourceArn": data_source_arn(aws, account),
                    "Catalog": "AwsDataCatalog",
                    "Schema": aws.database("final"),
                    "Name": report.table,
                    "InputColumns": columns,
                }
            }
        },
        "LogicalTableMap": {
            PHYSICAL_TABLE: {
                "Alias": report.table,
                "Source": {"PhysicalTableId": PHYSICAL_TABLE},
                # The lake keeps the partition as text; QuickSight plots days as dates.
                "DataTransforms": [
                    {
                        "CastColumnTypeOperation": {
                            "ColumnName": PARTITION_COLUMN,
                            "NewColumnType": "DATETIME",
                            "Format": "yyyy-MM-dd",
                        }
                    }
                ],
            }
        },
    }


def _column(table: str, name: str) -> dict:
    """A column of a dataset the dashboard declares."""
    return {"DataSetIdentifier": table, "ColumnName": name}


def _title(text: str) -> dict:
    """A visual's title."""
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def _net_revenue(table: str) -> dict:
    """The sum of net revenue, as a measure."""
    return {
        "NumericalMeasureField": {
            "FieldId": f"{table}.net_revenue",
            "Column": _column(table, "net_revenue"),
            "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
        }
    }


def total_sales_visual() -> dict:
    """Net revenue per business day, from sales_by_day."""
    table = "sales_by_day"
    return {
        "LineChartVisual": {
            "VisualId": "total-sales",
            "Title": _title("Total sales"),
            "ChartConfiguration": {
                "FieldWells": {
                    "LineChartAggregatedFieldWells": {
                        "Category": [
                            {
                                "DateDimensionField": {
                                    "FieldId": f"{table}.business_date",
                                    "Column": _column(table, PARTITION_COLUMN),
                                    "DateGranularity": "DAY",
                                }
                            }
                        ],
                        "Values": [_net_revenue(table)],
                    }
                }
            },
        }
    }


def brand_sales_visual() -> dict:
    """Net revenue per brand, highest first, from brand_sales_monthly."""
    table = "brand_sales_monthly"
    return {
        "BarChartVisual": {
            "VisualId": "sales-per-brand",
            "Title": _title("Sales per brand"),
            "ChartConfiguration": {
                "FieldWells": {
                    "BarChartAggregatedFieldWells": {
                        "Category": [
                            {
                                "CategoricalDimensionField": {
                                    "FieldId": f"{table}.brand",
                                    "Column": _column(table, "brand"),
                                }
                            }
                        ],
                        "Values": [_net_revenue(table)],
                    }
                },
                "Orientation": "HORIZONTAL",
                "SortConfiguration": {
                    "CategorySort": [{"FieldSort": {"FieldId": f"{table}.net_revenue", "Direction": "DESC"}}]
                },
            },
        }
    }


def dashboard_definition(aws: AwsSettings, account: Account) -> dict:
    """CreateDashboard's Name and Definition: one sheet with total sales per day and sales per brand."""
    return {
        "Name": "Retail sales",
        "Definition": {
            "DataSetIdentifierDeclarations": [
                {"Identifier": table, "DataSetArn": dataset_arn(aws, account, table)} for table in QUICKSIGHT_REPORTS
            ],
            "Sheets": [{"SheetId": "sales", "Name": "Sales", "Visuals": [total_sales_visual(), brand_sales_visual()]}],
        },
    }


def quicksight_reports() -> list[Report]:
    """The report tables QuickSight reads."""
    return [REPORTS_BY_TABLE[table] for table in QUICKSIGHT_REPORTS]
