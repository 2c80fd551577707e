"""Listing and deleting files through Hadoop's FileSystem API in Spark's JVM.

The same code serves file:// on a laptop and s3:// on Glue, with the credentials and S3 client Spark already has,
and no boto3 paginating here.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from pyspark.sql import SparkSession


def _hadoop_path(spark: SparkSession, uri: str):
    """A Hadoop Path and its FileSystem for a URI."""
    path = spark._jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())


def parquet_file_opener(spark: SparkSession) -> Callable[[str], AbstractContextManager]:
    """Opens Parquet's own Java reader of a file, its footer read, closed when the block ends.

    The classes are looked up once per opener: py4j resolves each name of a class path with a call of its own.
    """
    jvm = spark._jvm
    path, input_file = jvm.org.apache.hadoop.fs.Path, jvm.org.apache.parquet.hadoop.util.HadoopInputFile
    open_file = jvm.org.apache.parquet.hadoop.ParquetFileReader.open
    hadoop_configuration = spark._jsc.hadoopConfiguration()

    @contextmanager
    def opened(uri: str) -> Iterator:
        reader = open_file(input_file.fromPath(path(uri), hadoop_configuration))
        try:
            yield reader
        finally:
            reader.close()

    return opened


def qualified_uri(spark: SparkSession, uri: str) -> str:
    """A URI the way Hadoop lists the files under it (scheme added, path normalised)."""
    path, fs = _hadoop_path(spark, uri)
    return fs.makeQualified(path).toString()


def list_files(
    spark: SparkSession, uri: str, recursive: bool = True, links: list[str] | None = None
) -> list[tuple[str, int]]:
    """(URI, size) of every file under a prefix, as Hadoop qualifies it; empty when the prefix does not exist.

    On a local file system a symbolic link is never followed (a link may lead out of the landing area, or loop):
    it is left out, and its URI appended to links when given.
    """
    path, fs = _hadoop_path(spark, uri)
    if not fs.exists(path):
        return []
    if fs.getScheme() == "file":
        local = fs.makeQualified(path).toUri().getPath()
        return sorted(_local_files(local, recursive, links if links is not None else []))
    files, statuses = [], fs.listFiles(path, recursive)
    while statuses.hasNext():
        status = statuses.next()
        files.append((status.getPath().toString(), status.getLen()))
    return sorted(files)


def _local_files(folder: str, recursive: bool, links: list[str]) -> list[tuple[str, int]]:
    """The files below a local folder, links left out, read with os.scandir on the driver (the folder is local).

    Hadoop's recursive listing follows links, and its local file systems (Hive's proxy among them) do not all
    report a link as one.
    """
    files = []
    with os.scandir(folder) as entries:
        for entry in entries:
            uri = f"file:{entry.path}"  # as Hadoop qualifies a local path
            if entry.is_symlink():
                links.append(uri)
            elif entry.is_dir(follow_symlinks=False):
                if recursive:
                    files += _local_files(entry.path, recursive, links)
            else:
                files.append((uri, entry.stat(follow_symlinks=False).st_size))
    return files


def delete_path(spark: SparkSession, uri: str) -> None:
    """Delete a file or a whole prefix, if it exists."""
    path, fs = _hadoop_path(spark, uri)
    if fs.exists(path):
        fs.delete(path, True)


def list_folders(spark: SparkSession, uri: str) -> list[str]:
    """URIs of the folders directly under a prefix, as Hadoop qualifies them; empty when it does not exist."""
    path, fs = _hadoop_path(spark, uri)
    if not fs.exists(path):
        return []
    return sorted(status.getPath().toString() for status in fs.listStatus(path) if status.isDirectory())
