"""retail_assets: a retail sales lakehouse as Dagster assets, on AWS or on one machine."""

import warnings

# Two Dagster features this project relies on knowingly: single-run backfill policies (beta) and per-partition
# asset checks (preview). Their warnings would otherwise repeat in every process and run log.
warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy` .* is currently in beta")
warnings.filterwarnings("ignore", message=r"Specifying a partitions_def on an AssetCheckSpec is currently in preview")
