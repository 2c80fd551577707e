"""The Spark session the scripts run in, on Glue and on local Spark alike, and caching within it."""

from collections.abc import Iterator
from contextlib import contextmanager

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from glue_scripts.job_args import on_glue


def configure_spark(builder: SparkSession.Builder | None, business_timezone: str) -> SparkSession:
    """The Spark session (Glue's own when on Glue) with every setting the scripts rely on pinned."""
    builder = builder or SparkSession.builder
    if not on_glue():
        # Few shuffle partitions for laptop-sized runs; on Glue, Spark's 200, coalesced by adaptive execution.
        builder = (
            builder.master("local[2]").config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
        )
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
