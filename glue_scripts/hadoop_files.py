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
        return sorted(_local_files(fs, path, recursive, links if links is not None else []))
    files, statuses = [], fs.listFiles(path, recursive)
    while statuses.hasNext():
        status = statuses.next()
        files.append((status.getPath().toString(), status.getLen()))
    return sorted(files)


def _local_files(fs, folder, recursive: bool, links: list[str]) -> list[tuple[str, int]]:
    """The files below a local folder, links left out; Hadoop's own recursive listing follows links."""
    files = []
    for status in fs.listStatus(folder):
        entry = fs.getFileLinkStatus(status.getPath())  # the entry itself, not what a link points to
        if entry.isSymlink():
            links.append(status.getPath().toString())
        elif entry.isDirectory():
            if recursive:
                files += _local_files(fs, status.getPath(), recursive, links)
        else:
            files.append((status.getPath().toString(), entry.getLen()))
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
