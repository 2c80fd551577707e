"""The small shim that lets one PySpark script run as an AWS Glue 5.0 job and on local Spark alike."""

import argparse
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from dagster_pipes import (
    DAGSTER_PIPES_CONTEXT_CLI_ARGUMENT,
    PipesCliArgsParamsLoader,
    PipesContext,
    PipesS3ContextLoader,
    PipesS3MessageWriter,
    open_dagster_pipes,
)
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from glue_scripts.sales_contract import LINE_NUMBER, PARTITION_COLUMN, SOURCE_OBJECT


def on_glue() -> bool:
    """Whether this process runs inside AWS Glue (its awsglue library is importable only there)."""
    return importlib.util.find_spec("awsglue") is not None


def parse_job_args(names: list[str], argv: list[str] | None = None) -> dict[str, str]:
    """The job arguments `--name value`, all required; unknown arguments (Glue's, Pipes') are ignored."""
    argv = sys.argv[1:] if argv is None else argv
    if on_glue():
        from awsglue.utils import getResolvedOptions

        return getResolvedOptions([sys.argv[0], *argv], names)
    # allow_abbrev off: a Glue or Pipes argument must never be taken for a prefix of one of ours.
    parser = argparse.ArgumentParser(allow_abbrev=False)
    for name in names:
        parser.add_argument(f"--{name}", required=True)
    known, _ = parser.parse_known_args(argv)
    return vars(known)


@contextmanager
def open_pipes() -> Iterator[PipesContext]:
    """The Dagster Pipes context: S3 and CLI arguments under PipesGlueClient, environment variables otherwise."""
    if DAGSTER_PIPES_CONTEXT_CLI_ARGUMENT in sys.argv:
        import boto3

        s3 = boto3.client("s3")
        pipes = open_dagster_pipes(
            context_loader=PipesS3ContextLoader(client=s3),
            message_writer=PipesS3MessageWriter(client=s3),
            params_loader=PipesCliArgsParamsLoader(),
        )
    else:
        pipes = open_dagster_pipes()
    with pipes:
        yield pipes


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
        # Datetime patterns (date_format) mean the same on both: java.time's, not the legacy SimpleDateFormat's.
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    }
    for key, value in pinned.items():
        spark.conf.set(key, value)
    return spark


def day_uri(table_uri: str, day: str) -> str:
    """The Hive-style partition prefix of one business day under a table root."""
    return f"{table_uri.rstrip('/')}/{PARTITION_COLUMN}={day}"


# Files are listed and deleted through Hadoop's FileSystem API in Spark's JVM: the same code serves file:// on a
# laptop and s3:// on Glue, with the credentials and S3 client Spark already has, and no boto3 paginating here.
def _hadoop_path(spark: SparkSession, uri: str):
    """A Hadoop Path and its FileSystem for a URI."""
    path = spark._jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())


def qualified_uri(spark: SparkSession, uri: str) -> str:
    """A URI the way Hadoop lists the files under it (scheme added, path normalised)."""
    path, fs = _hadoop_path(spark, uri)
    return fs.makeQualified(path).toString()


def list_files(spark: SparkSession, uri: str, recursive: bool = True) -> list[tuple[str, int]]:
    """(URI, size) of every file under a prefix, as Hadoop qualifies it; empty when the prefix does not exist."""
    path, fs = _hadoop_path(spark, uri)
    if not fs.exists(path):
        return []
    files, statuses = [], fs.listFiles(path, recursive)
    while statuses.hasNext():
        status = statuses.next()
        files.append((status.getPath().toString(), status.getLen()))
    return sorted(files)


def delete_path(spark: SparkSession, uri: str) -> None:
    """Delete a file or a whole prefix, if it exists."""
    path, fs = _hadoop_path(spark, uri)
    if fs.exists(path):
        fs.delete(path, True)


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


@contextmanager
def persisted(df: DataFrame) -> Iterator[DataFrame]:
    """Cache a DataFrame that several actions read, for as long as the block runs."""
    df.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        yield df
    finally:
        df.unpersist()


def json_metadata(value) -> dict:
    """A Pipes metadata value shown as JSON in Dagster."""
    return {"raw_value": value, "type": "json"}
