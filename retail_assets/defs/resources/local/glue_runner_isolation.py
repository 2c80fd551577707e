"""What one job of the warm Glue runner may leave behind, and undoing it before the next job starts.

A job gets a new SparkSession of the shared SparkContext: its SQL configuration, temporary views and functions are
its own. What the context and the process share is saved before the job and put back after it: the Hadoop
configuration, the thread's local properties (job group, scheduler pool), every cache and persisted RDD, global
temporary views, and the Python side (argv, environment, working directory, sys.path, the scripts' modules).
"""

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from pyspark.sql import SparkSession

# Packages imported afresh by every job (Dagster Pipes keeps its context in a class-level singleton).
JOB_PACKAGES = ("glue_scripts", "dagster_pipes")


@contextlib.contextmanager
def job_session(base: SparkSession, group: str) -> Iterator[SparkSession]:
    """A new session of base's context as the one getOrCreate returns while the block runs; its traces undone."""
    context = base.sparkContext
    hadoop_before = _hadoop_settings(base)
    session = base.newSession()
    # PySpark's getOrCreate returns this class attribute when it is set; there is no public setter.
    SparkSession._instantiatedSession = SparkSession._activeSession = session
    # Local properties belong to this (pinned) thread and would carry over: each job starts with none but its group.
    context._jsc.sc().setLocalProperties(context._jvm.java.util.Properties())
    context.setJobGroup(group, group, interruptOnCancel=True)
    try:
        yield session
    finally:
        session.catalog.clearCache()  # the cache manager is shared by every session of the context
        for rdd in list(context._jsc.getPersistentRDDs().values()):
            rdd.unpersist(False)
        for view in session.catalog.listTables("global_temp"):
            session.catalog.dropGlobalTempView(view.name)
        _restore_hadoop_settings(base, hadoop_before)
        context._jsc.sc().setLocalProperties(context._jvm.java.util.Properties())
        SparkSession._instantiatedSession = SparkSession._activeSession = base
        # A full collection makes G1 give the job's heap back to the system: between jobs the idle JVM would
        # otherwise hold its largest job's heap while the run's checks read whole days in the run process.
        context._jvm.java.lang.System.gc()


def _hadoop_settings(spark: SparkSession) -> dict[str, str]:
    """Every property of the context's Hadoop configuration, read in one call (Hadoop's own JSON dump)."""
    jvm = spark.sparkContext._jvm
    writer = jvm.java.io.StringWriter()
    jvm.org.apache.hadoop.conf.Configuration.dumpConfiguration(spark.sparkContext._jsc.hadoopConfiguration(), writer)
    return {item["key"]: item["value"] for item in json.loads(writer.toString())["properties"]}


def _restore_hadoop_settings(spark: SparkSession, before: dict[str, str]) -> None:
    """Put back every Hadoop property the job set, changed or removed."""
    configuration = spark.sparkContext._jsc.hadoopConfiguration()
    after = _hadoop_settings(spark)
    for key in after.keys() - before.keys():
        configuration.unset(key)
    for key, value in before.items():
        if after.get(key) != value:
            configuration.set(key, value)


@contextlib.contextmanager
def job_process_state(script: Path, argv: list[str], pipes_env: dict[str, str]) -> Iterator[None]:
    """sys.argv, the Pipes variables and fresh imports for one job; the process's state restored afterwards."""
    saved = (sys.argv, dict(os.environ), os.getcwd(), list(sys.path))
    forget_job_modules(script.parent)
    sys.argv = [str(script), *argv]
    os.environ.update(pipes_env)
    try:
        yield
    finally:
        sys.argv, environment, directory, sys.path[:] = saved
        os.environ.clear()
        os.environ.update(environment)
        os.chdir(directory)
        forget_job_modules(script.parent)


def forget_job_modules(scripts_dir: Path) -> None:
    """Drop the job packages' modules and any module of the scripts' folder: the next job imports them afresh."""
    folder = str(scripts_dir.resolve())
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        if name.split(".")[0] in JOB_PACKAGES or location.startswith(folder + os.sep):
            del sys.modules[name]
