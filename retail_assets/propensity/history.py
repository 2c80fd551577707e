"""The cleaned/sales lines the propensity assets read, from the lake."""

from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from glue_scripts.sales_contract import PARTITION_COLUMN
from retail_assets.defs.resources.lake import Lake
from retail_assets.propensity.features import SALES_COLUMNS


def read_history(lake: Lake) -> tuple[pd.DataFrame, date]:
    """Every cleaned line, and the last business day with data."""
    root = lake.table_path("cleaned", "sales")
    if lake.filesystem().get_file_info(root).type == pafs.FileType.NotFound:
        raise LookupError(f"cleaned/sales at {root} holds no rows yet")
    # One dataset over the table folder: one listing, instead of one per day (on S3, hundreds of requests).
    dataset = ds.dataset(
        root,
        filesystem=lake.filesystem(),
        format="parquet",
        partitioning=ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.string())]), flavor="hive"),
    )
    table = dataset.to_table(columns=SALES_COLUMNS)
    if table.num_rows == 0:
        raise LookupError(f"cleaned/sales at {root} holds no rows yet")
    # Features are model inputs: the exact decimal becomes a float once, here, instead of per row in pandas.
    amount = table.column("line_amount").cast(pa.float64())
    lines = table.set_column(table.schema.get_field_index("line_amount"), "line_amount", amount).to_pandas()
    return lines, date.fromisoformat(lines[PARTITION_COLUMN].max())
