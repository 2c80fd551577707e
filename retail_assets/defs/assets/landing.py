"""landing/sales: the files stores drop; Dagster observes it, never writes it."""

import dagster as dg

landing_sales = dg.AssetSpec(
    key=["landing", "sales"],
    description="Sales files dropped by stores under sales/<YYYY-MM-DD>/ (CSV, CSV gzip, JSON Lines, Parquet).",
    group_name="sales",
    kinds={"s3"},
)
