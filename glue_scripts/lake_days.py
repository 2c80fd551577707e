"""Business-day partitions of a lake table: where a day lives, writing the days of a DataFrame, emptying days."""

from pyspark.sql import DataFrame, SparkSession

from glue_scripts.hadoop_files import delete_path
from glue_scripts.sales_contract import LINE_NUMBER, PARTITION_COLUMN, SOURCE_OBJECT


def day_uri(table_uri: str, day: str) -> str:
    """The Hive-style partition prefix of one business day under a table root."""
    return f"{table_uri.rstrip('/')}/{PARTITION_COLUMN}={day}"


def write_days(df: DataFrame, table_uri: str) -> None:
    """Replace the business_date partitions present in df (dynamic overwrite), one file per day, rows in order."""
    (
        df.repartition(PARTITION_COLUMN)
        .sortWithinPartitions(PARTITION_COLUMN, SOURCE_OBJECT, LINE_NUMBER)
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(PARTITION_COLUMN)
        .parquet(table_uri)
    )


def clear_days(spark: SparkSession, table_uri: str, days: list[str]) -> None:
    """Delete the partitions of days that got no rows, so a rerun of an emptied day empties it in the lake."""
    for day in days:
        delete_path(spark, day_uri(table_uri, day))
