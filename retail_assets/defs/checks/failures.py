"""Failed rows as check metadata: the rules broken, how many rows, and a sample table."""

import dagster as dg
import pandas as pd

MAX_SAMPLE_ROWS = 20


def sample_table(rows: pd.DataFrame, limit: int = MAX_SAMPLE_ROWS) -> dg.TableMetadataValue:
    """Up to limit rows as a Dagster table, values as text (the UI shows decimals and times exactly)."""
    sample = rows.head(limit)
    columns = [str(column) for column in sample.columns]
    records = [
        dg.TableRecord({column: "" if pd.isna(value) else str(value) for column, value in zip(columns, row)})
        for row in sample.itertuples(index=False, name=None)
    ]
    return dg.MetadataValue.table(records, dg.TableSchema([dg.TableColumn(column, "string") for column in columns]))


def failure_metadata(rules: dict[str, int], failing: pd.DataFrame) -> dict[str, object]:
    """Metadata of a failed check: rule -> failing rows, the failing row count, up to 20 of those rows."""
    return {
        "rules_failed": dg.MetadataValue.json(rules),
        "failing_rows": len(failing),
        "failing_rows_sample": sample_table(failing),
    }
