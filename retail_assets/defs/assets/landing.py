"""landing/sales: the files stores drop; Dagster observes it, never writes it."""

import dagster as dg

from retail_assets.defs.assets.day_figures import OWNERS

landing_sales = dg.AssetSpec(
    key=["landing", "sales"],
    description="Sales files dropped by stores under sales/<YYYY-MM-DD>/ (CSV, CSV gzip, JSON Lines, Parquet).",
    group_name="landing",
    owners=OWNERS,
    kinds={"s3"},
    # with_source_code_references links only assets with a function; the spec's file is linked here.
    metadata={
        "dagster/code_references": dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=__file__, line_number=1)]
        )
    },
)
