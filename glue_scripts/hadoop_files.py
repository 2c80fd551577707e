"""Listing and deleting files through Hadoop's FileSystem API in Spark's JVM.

The same code serves file:// on a laptop and s3:// on Glue, with the credentials and S3 client Spark already has,
and no boto3 paginating here.
"""

from pyspark.sql import SparkSession


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
