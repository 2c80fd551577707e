"""landing/sales: the files stores drop; Dagster observes it, never writes it."""

import dagster as dg

from retail_assets.defs.assets.day_figures import OWNERS, spec_code_reference

landing_sales = dg.AssetSpec(
    key=["landing", "sales"],
    description="Sales files dropped by stores under sales/<YYYY-MM-DD>/ (CSV, CSV gzip, JSON Lines, Parquet).",
    group_name="landing",
    owners=OWNERS,
    kinds={"s3"},
    metadata=spec_code_reference(__file__),
)
