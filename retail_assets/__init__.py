"""retail_assets: a retail sales lakehouse as Dagster assets, on AWS or on one machine."""

import os
import warnings

# pandera and pyspark.pandas set PYARROW_IGNORE_TIMEZONE=1 when it is absent, and pyarrow then turns every
# timezone-aware timestamp into a naive one in the whole process. Our timestamps are instants: an empty value
# is present (so neither sets it) and false (so pyarrow keeps time zones).
os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "")

# Dagster features this project relies on knowingly: single-run backfill policies (beta), per-partition asset
# checks (preview) and the landing spec's code reference (beta classes). Their warnings would otherwise repeat in every process and run log.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy` .* is currently in beta")
warnings.filterwarnings("ignore", message=r"Specifying a partitions_def on an AssetCheckSpec is currently in preview")
warnings.filterwarnings(
    "ignore", message=r"Class `(LocalFileCodeReference|CodeReferencesMetadataValue)` is currently in beta"
)
