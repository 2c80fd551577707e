"""The Spark session the scripts run in, on Glue and on local Spark alike, and caching within it."""

from collections.abc import Iterator
from contextlib import contextmanager

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from glue_scripts.job_args import on_glue

# The settings of a laptop-sized run, in this one place; on Glue, its own defaults stay (Spark's 200 shuffle
# partitions, coalesced by adaptive execution).
LOCAL_MASTER = "local[2]"
LOCAL_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",  # progress bars only fill the runner's log
    # Few shuffle partitions for a day of up to a few million rows; adaptive execution coalesces smaller ones.
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    # Spark lists more than 32 paths with a Spark job of its own: seconds for what the driver lists from a local disk
    # in milliseconds (800 landing objects of a 100-day range: 2.1-6.2 s -> 0.1-0.2 s). Glue keeps the job, for S3.
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "1000000",
}


def configure_spark(builder: SparkSession.Builder | None, business_timezone: str) -> SparkSession:
    """The Spark session (Glue's own when on Glue) with every setting the scripts rely on pinned."""
    builder = builder or SparkSession.builder
    if not on_glue():
        for key, value in LOCAL_SETTINGS.items():
            builder = builder.config(key, value)
        builder = builder.master(LOCAL_MASTER)
    spark = builder.getOrCreate()
    pinned = {
        "spark.sql.ansi.enabled": "false",
        "spark.sql.session.timeZone": business_timezone,
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        # business_date is a string partition column everywhere; never let Spark infer it as a date.
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        # Landed Parquet timestamps without a time zone stay local date-times (TIMESTAMP_NTZ).
        "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
        # TIMESTAMP(NANOS) (pandas' default) read as longs, which the reader turns into text with every digit,
        # instead of failing the whole read ("Illegal Parquet type").
        "spark.sql.legacy.parquet.nanosAsLong": "true",
        # Datetime patterns (date_format) mean the same on both: java.time's, not the legacy SimpleDateFormat's.
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    }
    for key, value in pinned.items():
        spark.conf.set(key, value)
    return spark


@contextmanager
def persisted(df: DataFrame) -> Iterator[DataFrame]:
    """Cache a DataFrame that several actions read, for as long as the block runs."""
    df.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        yield df
    finally:
        df.unpersist()


def one_partition_per_core(df: DataFrame) -> DataFrame:
    """df's partitions merged, without a shuffle, into one per core the session has."""
    return df.coalesce(df.sparkSession.sparkContext.defaultParallelism)
