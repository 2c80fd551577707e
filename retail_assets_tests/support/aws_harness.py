"""What moto stores but never runs, run locally: Glue job scripts on local Spark, crawls, Athena on DuckDB.

Each stand-in wraps the boto3 client a backend makes (through moto_account.clients(backstage)): moto records the
call as AWS would, then the stand-in does the work with the data staged from moto's S3 and puts the result back.
"""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from glue_scripts.sales_contract import PARTITION_COLUMN, is_hidden
from retail_assets.defs.resources.local.catalog import parquet_scan
from retail_assets.tables import HIVE_TYPES, hive_type

PARQUET_FORMAT = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}


def arrow_type(hive: str) -> pa.DataType:
    """The Arrow type Athena writes for a catalog type."""
    if hive.startswith("decimal("):
        precision, scale = hive[len("decimal(") : -1].split(",")
        return pa.decimal128(int(precision), int(scale))
    if hive == "timestamp":
        return pa.timestamp("us")
    return {name: arrow for arrow, name in HIVE_TYPES.items()}[hive]


def split_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// URI."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def object_keys(s3, bucket: str, prefix: str) -> list[str]:
    """Every key under prefix taken as a folder or as the key itself, all pages."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return [key for key in keys if not prefix or key == prefix or key.startswith(prefix.rstrip("/") + "/")]


class Delegate:
    """A boto3 client with some methods replaced: everything else goes to the client."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name: str):
        return getattr(self.client, name)


class Stage:
    """A local copy of S3 objects, <root>/<bucket>/<key>, and the way back for what changed in it."""

    def __init__(self, s3, root: Path):
        self.s3, self.root = s3, root

    def path(self, uri: str) -> Path:
        """The local path of an s3:// URI."""
        return self.root.joinpath(*split_uri(uri))

    def download(self, uri: str) -> Path:
        """Copy the object or every object under the prefix; return its local path."""
        bucket, prefix = split_uri(uri)
        for key in object_keys(self.s3, bucket, prefix):
            target = self.root / bucket / key
            target.parent.mkdir(parents=True, exist_ok=True)
            self.s3.download_file(bucket, key, str(target))
        return self.path(uri)

    def snapshot(self) -> dict[Path, tuple[int, int]]:
        """Size and modification time of every staged file; Spark's local checksums (.crc) are not S3's."""
        return {
            path: (path.stat().st_size, path.stat().st_mtime_ns)
            for path in self.root.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        }

    def upload_changes(self, before: dict[Path, tuple[int, int]]) -> None:
        """Put new and changed files back, and delete from S3 what was deleted here."""
        after = self.snapshot()
        for path, state in after.items():
            if before.get(path) != state:
                bucket, *key = path.relative_to(self.root).parts
                self.s3.upload_file(str(path), bucket, "/".join(key))
        for path in before.keys() - after.keys():
            bucket, *key = path.relative_to(self.root).parts
            self.s3.delete_object(Bucket=bucket, Key="/".join(key))


class GlueJobsOnLocalSpark(Delegate):
    """After moto's StartJobRun, the job's own script (and --extra-py-files) from S3, run by this Python."""

    def __init__(self, client, backstage: "Backstage"):
        super().__init__(client)
        self.backstage = backstage

    def start_job_run(self, **params):
        self.backstage.job_runs.append(params)
        run_id = self.client.start_job_run(**params)["JobRunId"]
        job = self.client.get_job(JobName=params["JobName"])["Job"]
        # moto's run holds the job's default arguments overlaid with the run's: what Glue hands the script.
        arguments = self.client.get_job_run(JobName=params["JobName"], RunId=run_id)["JobRun"]["Arguments"]
        folder = self.backstage.workdir / run_id
        self.backstage.outcomes[run_id] = self._run(job, {"--JOB_NAME": job["Name"], **arguments}, folder)
        return {"JobRunId": run_id}

    def get_job_run(self, **params):
        response = self.client.get_job_run(**params)
        response["JobRun"].update(self.backstage.outcomes.get(params["RunId"], {}))
        return response

    def _run(self, job: dict, arguments: dict[str, str], folder: Path) -> dict:
        """Stage every s3:// argument, run the script on the local copies, put back what it changed."""
        stage = Stage(boto3.client("s3"), folder / "s3")
        argv = []
        for name, value in arguments.items():
            if value.startswith("s3://"):
                value = ",".join(f"file://{stage.download(uri)}" for uri in value.split(","))
            argv += [name, value]
        script = stage.download(job["Command"]["ScriptLocation"])
        extra = [stage.path(uri) for uri in arguments.get("--extra-py-files", "").split(",") if uri]
        env = {
            **os.environ,
            # The uploaded package first on the path, as Glue puts --extra-py-files (this checkout comes after).
            "PYTHONPATH": os.pathsep.join(map(str, extra)),
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": "--driver-memory 1g pyspark-shell",
        }
        before, started = stage.snapshot(), time.monotonic()
        done = subprocess.run(
            [sys.executable, str(script), *argv], check=False, cwd=folder, env=env, capture_output=True, text=True
        )
        seconds = max(1, round(time.monotonic() - started))
        print(f"--- {job['Name']} stderr ---\n{done.stderr[-20000:]}")
        if done.returncode:
            lines = [line for line in done.stderr.splitlines() if line.strip()] or ["no output"]
            return {"JobRunState": "FAILED", "ErrorMessage": lines[-1], "ExecutionTime": seconds}
        stage.upload_changes(before)
        return {"JobRunState": "SUCCEEDED", "ExecutionTime": seconds}


class CrawlsFromParquet(Delegate):
    """After moto's StartCrawler, what the crawl would catalog: a table per folder, a partition per day folder."""

    def start_crawler(self, **params):
        response = self.client.start_crawler(**params)
        crawler = self.client.get_crawler(Name=params["Name"])["Crawler"]
        for target in crawler["Targets"]["S3Targets"]:
            self._crawl(crawler, target["Path"].rstrip("/") + "/")
        return response

    def _crawl(self, crawler: dict, path: str) -> None:
        """Catalog each table folder under path (hidden objects excluded, as the crawler's exclusions do)."""
        s3, (bucket, prefix) = boto3.client("s3"), split_uri(path)
        tables: dict[str, list[str]] = {}
        for key in object_keys(s3, bucket, prefix):
            relative = key[len(prefix) :]
            if "/" in relative and not is_hidden(relative):
                tables.setdefault(relative.split("/")[0], []).append(key)
        for table, keys in tables.items():
            schemas = [pq.read_schema(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())) for key in keys]
            columns = [{"Name": f.name, "Type": hive_type(f.type)} for f in pa.unify_schemas(schemas)]
            days = sorted({part.split("=", 1)[1] for key in keys for part in key.split("/") if "=" in part})
            self._catalog(crawler, f"{path}{table}/", table, columns, days)

    def _catalog(self, crawler: dict, location: str, table: str, columns: list[dict], days: list[str]) -> None:
        """Create the table (or, under UPDATE_IN_DATABASE, update its columns) and add the new day partitions."""
        database = crawler["DatabaseName"]
        descriptor = {"Columns": columns, "Location": location, **PARQUET_FORMAT}
        table_input = {
            "Name": table,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": descriptor,
            "PartitionKeys": [{"Name": PARTITION_COLUMN, "Type": "string"}],
        }
        try:
            self.client.get_table(DatabaseName=database, Name=table)
            # AWS's default policy updates the table; provision's (LOG) keeps it as it is.
            policy = crawler.get("SchemaChangePolicy", {}).get("UpdateBehavior", "UPDATE_IN_DATABASE")
            if policy == "UPDATE_IN_DATABASE":
                self.client.update_table(DatabaseName=database, TableInput=table_input)
        except self.client.exceptions.EntityNotFoundException:
            self.client.create_table(DatabaseName=database, TableInput=table_input)
        add_partitions(self.client, database, table, descriptor, days)


def add_partitions(glue, database: str, table: str, descriptor: dict, days: list[str]) -> None:
    """Register the day partitions the table does not have yet."""
    pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
    known = {partition["Values"][0] for page in pages for partition in page["Partitions"]}
    new = [
        {
            "Values": [day],
            "StorageDescriptor": {**descriptor, "Location": f"{descriptor['Location']}{PARTITION_COLUMN}={day}/"},
        }
        for day in days
        if day not in known
    ]
    for start in range(0, len(new), 100):
        glue.batch_create_partition(DatabaseName=database, TableName=table, PartitionInputList=new[start : start + 100])


class AthenaOnDuckDB(Delegate):
    """After moto's StartQueryExecution, an INSERT ... SELECT run by DuckDB over the catalog's partitions."""

    def __init__(self, client, backstage: "Backstage"):
        super().__init__(client)
        self.backstage = backstage

    def start_query_execution(self, **params):
        query_id = self.client.start_query_execution(**params)["QueryExecutionId"]
        outcome = self._execute(query_id, params["QueryString"], params.get("ExecutionParameters", []))
        self.backstage.outcomes[query_id] = outcome
        return {"QueryExecutionId": query_id}

    def get_query_execution(self, **params):
        response = self.client.get_query_execution(**params)
        outcome = self.backstage.outcomes.get(params["QueryExecutionId"], {})
        response["QueryExecution"]["Status"].update(outcome.get("Status", {}))
        response["QueryExecution"]["Statistics"].update(outcome.get("Statistics", {}))
        return response

    def _execute(self, query_id: str, sql: str, parameters: list[str]) -> dict:
        """Run the statement; the outcome Athena would report: its state, error and statistics."""
        started, glue, scanned = time.monotonic(), boto3.client("glue"), 0
        try:
            statement = sqlglot.parse_one(sql, read="athena")
            if not isinstance(statement, exp.Insert):
                raise NotImplementedError("only INSERT INTO ... SELECT runs here")
            # Athena's execution parameters are SQL literals, bound in order to the ? placeholders.
            for placeholder, value in zip(list(statement.find_all(exp.Placeholder)), parameters, strict=True):
                placeholder.replace(sqlglot.parse_one(value, read="athena"))
            with duckdb.connect() as connection:
                staged = [
                    self._register(connection, glue, source.db, source.name, self.backstage.workdir / query_id)
                    for source in statement.expression.find_all(exp.Table)
                ]
                scanned = sum(staged)
                # A table without a partition reads as empty: an INSERT over it writes nothing.
                if all(staged):
                    rows = connection.sql(statement.expression.sql(dialect="duckdb")).to_arrow_table()
                    write_insert(glue, query_id, statement.this.db, statement.this.name, rows)
            status = {"State": "SUCCEEDED"}
        except Exception as error:  # noqa: BLE001 - every error becomes the query's, as Athena reports it
            status = {"State": "FAILED", "AthenaError": {"ErrorCategory": 2, "ErrorMessage": str(error)}}
        elapsed = int((time.monotonic() - started) * 1000)
        return {"Status": status, "Statistics": {"DataScannedInBytes": scanned, "EngineExecutionTimeInMillis": elapsed}}

    @staticmethod
    def _register(connection, glue, database: str, table: str, folder: Path) -> int:
        """A DuckDB view over the table's catalogued partitions, staged locally; the bytes staged (0: no view)."""
        stage = Stage(boto3.client("s3"), folder / "s3")
        pages = glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table)
        for page in pages:
            for partition in page["Partitions"]:
                stage.download(partition["StorageDescriptor"]["Location"].rstrip("/"))
        location = stage.path(
            glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"]["Location"]
        )
        files = [
            path for path in location.rglob("*") if path.is_file() and not is_hidden(str(path.relative_to(location)))
        ]
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {database}")
        if files:
            glob = f"{location}/{PARTITION_COLUMN}=*/*"
            connection.execute(f"CREATE VIEW {database}.{table} AS SELECT * FROM {parquet_scan(glob)}")
        return sum(path.stat().st_size for path in files)


def write_insert(glue, query_id: str, database: str, table: str, rows: pa.Table) -> None:
    """Write rows into the table as Athena does: by position, typed as the catalog says, one object per day."""
    found = glue.get_table(DatabaseName=database, Name=table)["Table"]
    columns = found["StorageDescriptor"]["Columns"] + found["PartitionKeys"]
    if rows.num_columns != len(columns):
        raise ValueError(f"Insert query has mismatched column sizes: table {len(columns)}, query {rows.num_columns}")
    schema = pa.schema([(column["Name"], arrow_type(column["Type"])) for column in columns])
    typed = rows.rename_columns(schema.names).cast(schema)
    location = found["StorageDescriptor"]["Location"].rstrip("/") + "/"
    bucket, prefix = split_uri(location)
    days = sorted(set(typed.column(PARTITION_COLUMN).to_pylist()))
    for day in days:
        buffer = io.BytesIO()
        pq.write_table(
            typed.filter(pc.equal(typed.column(PARTITION_COLUMN), day)).drop_columns([PARTITION_COLUMN]), buffer
        )
        # Athena's object names carry no .parquet suffix.
        key = f"{prefix}{PARTITION_COLUMN}={day}/{query_id}_00000"
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    add_partitions(glue, database, table, {**found["StorageDescriptor"], "Location": location}, days)


class Backstage:
    """The stand-ins put in front of every Glue and Athena client the backends make, and what they were asked."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.job_runs: list[dict] = []  # StartJobRun parameters, as sent (moto keeps no ExecutionClass)
        self.outcomes: dict[str, dict] = {}  # by job run id or query id: what the stand-in reports

    def __call__(self, service: str, client):
        """The stand-in for a new client of service (other services' clients as they are)."""
        if service == "glue":
            return CrawlsFromParquet(GlueJobsOnLocalSpark(client, self))
        if service == "athena":
            return AthenaOnDuckDB(client, self)
        return client
