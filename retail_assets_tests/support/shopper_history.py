"""The planted-signal shoppers (retail_assets.store_files.shoppers) as cleaned/sales lines, or as lake partitions."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from retail_assets.defs.resources.lake import Lake
from retail_assets.store_files.shoppers import shopper_lines
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.lake_builders import CLEANED_SCHEMA


def shopper_history(
    customers: int = 400, start: date = date(2024, 1, 1), days: int = 240, seed: int = 7, shuffled: bool = False
) -> pd.DataFrame:
    """The shoppers' lines as cleaning makes them (all are valid): the cleaned/sales columns plus business_date."""
    rows = []
    for number, line in enumerate(shopper_lines(BUSINESS_TIMEZONE, customers, start, days, seed, shuffled)):
        rows.append(
            {
                **line,
                "sold_at": line["sold_at"].astimezone(UTC),
                "line_amount": line["quantity"] * line["unit_price"] - line["discount"],
                "is_return": line["quantity"] < 0,
                "_source_object": "file:/shoppers.csv",
                "_line_number": number + 1,
                "business_date": line["sold_at"].date().isoformat(),
            }
        )
    return pd.DataFrame(rows)


def write_cleaned(lake: Lake, sales: pd.DataFrame) -> list[str]:
    """Write these lines into cleaned/sales (local or S3), one Parquet file per business day; returns the days."""
    filesystem = lake.filesystem()

    def write(day_lines: tuple[str, pd.DataFrame]) -> None:
        day, lines = day_lines
        table = pa.Table.from_pandas(lines.drop(columns="business_date"), schema=CLEANED_SCHEMA, preserve_index=False)
        folder = lake.day_path("cleaned", "sales", day)
        filesystem.create_dir(folder, recursive=True)
        pq.write_table(table, f"{folder}/part-00000.parquet", filesystem=filesystem)

    # Days in parallel: on S3 (moto) each is a round trip or two.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, sales.groupby("business_date")))
    return sorted(sales["business_date"].unique())
