"""What Dagster loads: assets, checks, resources and automation."""
