"""PySpark scripts that run as AWS Glue 5.0 jobs, and locally through Dagster Pipes."""
