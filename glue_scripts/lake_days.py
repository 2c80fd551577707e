"""Business-day partitions of a lake table: where a day lives, writing the days of a DataFrame, emptying days."""

from pyspark.sql import DataFrame, SparkSession

from glue_scripts.hadoop_files import delete_path, list_files, list_folders, parquet_file_opener
from glue_scripts.sales_contract import LINE_NUMBER, PARTITION_COLUMN, SOURCE_OBJECT

# The folder Spark's dynamic partition overwrite writes a job's partitions to before moving them into place.
SPARK_STAGING_PREFIX = ".spark-staging-"
# A write has a task for every this many rows or part of them, up to one a core: a second task for a few rows would
# cost more in its start and its file than it saves.
MIN_ROWS_PER_TASK = 50_000


def day_uri(table_uri: str, day: str) -> str:
    """The Hive-style partition prefix of one business day under a table root."""
    return f"{table_uri.rstrip('/')}/{PARTITION_COLUMN}={day}"


def write_days(df: DataFrame, table_uri: str, rows: int, row_group_bytes: int | None = None) -> None:
    """Replace the business_date partitions present in df (dynamic overwrite) with its rows, in order.

    rows is df's row count, which only sizes the write: the rows are split by range of (day, object, line) into a
    task per core, or per MIN_ROWS_PER_TASK rows (or part of them) if that makes fewer. A day is written by as many
    cores as it fills, where a task per day left every core but one idle while a short range was written; a day is
    then one file or a few, each in order, one range after the other.
    row_group_bytes caps the Parquet row groups (Parquet's own default, 128 MiB, otherwise): Spark splits a file
    between tasks only at row groups.
    """
    tasks = max(1, min(df.sparkSession.sparkContext.defaultParallelism, -(-rows // MIN_ROWS_PER_TASK)))
    order = [PARTITION_COLUMN, SOURCE_OBJECT, LINE_NUMBER]
    writer = (
        df.repartitionByRange(tasks, *order)
        .sortWithinPartitions(*order)
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
    )
    if row_group_bytes is not None:
        writer = writer.option("parquet.block.size", str(row_group_bytes))
    writer.partitionBy(PARTITION_COLUMN).parquet(table_uri)


def row_groups(spark: SparkSession, uri: str) -> int:
    """The row groups of one Parquet file of a lake table, from its footer: Spark splits a file only between them."""
    with parquet_file_opener(spark)(uri) as reader:
        return reader.getRowGroups().size()


def remove_stale_staging(spark: SparkSession, table_uri: str, days: list[str]) -> list[str]:
    """Delete the .spark-staging-* folders a killed write of these days left under the table; returns them.

    Only a folder holding nothing but partitions of these days is removed: a folder with another day may belong to
    a run of other days still writing.
    """
    wanted = {day_uri("", day).lstrip("/") for day in days}
    removed = []
    for staging in list_folders(spark, table_uri):
        if not staging.rsplit("/", 1)[-1].startswith(SPARK_STAGING_PREFIX):
            continue
        # Partitions sit at any depth below it (a task's _temporary/<attempt>/business_date=D/ before commit).
        held = {
            segment
            for uri, _ in list_files(spark, staging)
            for segment in uri.split("/")
            if segment.startswith(f"{PARTITION_COLUMN}=")
        }
        if held <= wanted:
            delete_path(spark, staging)
            removed.append(staging)
    return removed


def clear_days(spark: SparkSession, table_uri: str, days: list[str]) -> None:
    """Delete the partitions of days that got no rows, so a rerun of an emptied day empties it in the lake."""
    for day in days:
        delete_path(spark, day_uri(table_uri, day))
