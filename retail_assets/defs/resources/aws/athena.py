"""Athena engine 3 in a workgroup: our own resource (dagster-aws's returns no statistics and breaks under moto)."""

import time
import uuid

from sqlglot import exp

from retail_assets.defs.partitions import chunks
from retail_assets.defs.resources.athena import Athena, DaysWritten, load_insert
from retail_assets.defs.resources.aws.clients import aws_client, backoff
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.settings import validate_day

# Athena's list price per TB scanned, with its 10 MB minimum per query; an estimate for metadata.
USD_PER_TB, MIN_BYTES = 5.0, 10 * 1024**2
DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
# The most partitions one call takes: BatchGetPartition, BatchDeletePartition, BatchCreatePartition.
GET_BATCH, DELETE_BATCH, CREATE_BATCH = 1000, 25, 100
_PARTITION_INPUT_KEYS = ("Values", "LastAccessTime", "StorageDescriptor", "Parameters", "LastAnalyzedTime")


class AthenaQueryFailed(RuntimeError):
    """A query ended FAILED or CANCELLED; the message is Athena's."""


class AwsAthena(Athena):
    """INSERT ... SELECT per chunk of days, after moving those days' objects and catalog partitions aside."""

    workgroup: str
    databases: dict[str, str]
    output_location: str
    first_poll_seconds: float = 1
    max_poll_seconds: float = 20

    def replace_days(self, lake: S3Lake, sql_name: str, days: list[str]) -> DaysWritten:
        statement = load_insert(sql_name)
        zone, table = statement.zone, statement.table
        insert = exp.insert(self._with_databases(statement.select), self._table(zone, table))
        day_paths = {day: lake.day_path(zone, table, day) for day in days}
        # Beside the partitions, under a name no partition (business_date=...) and no crawl (_*) takes for data.
        aside = f"{lake.table_path(zone, table)}/_replaced-{uuid.uuid4().hex}"
        glue, database = aws_client("glue"), self.databases[zone]
        # Athena's INSERT appends: the days' objects and partitions go aside first, and come back if it fails.
        partitions = self._partitions(glue, database, table, days)
        originals = {day: set(lake.object_keys(path)) for day, path in day_paths.items()}
        try:
            for day, path in day_paths.items():
                lake.move_objects(path, f"{aside}/{day}")
            for batch in chunks(days, DELETE_BATCH):
                glue.batch_delete_partition(
                    DatabaseName=database, TableName=table, PartitionsToDelete=[{"Values": [day]} for day in batch]
                )
            execution = self._run(
                insert.sql(dialect="athena"), [f"'{validate_day(day)}'" for day in (days[0], days[-1])]
            )
        except BaseException:  # a Dagster run being stopped too
            # Not in a finally: if putting back fails, the old objects stay under `aside`, never deleted.
            for day, path in day_paths.items():
                lake.delete_objects(path, keep=originals[day])  # whatever the failed statement wrote
                lake.move_objects(f"{aside}/{day}", path)
            for batch in chunks(partitions, CREATE_BATCH):
                glue.batch_create_partition(DatabaseName=database, TableName=table, PartitionInputList=batch)
            raise
        lake.delete_objects(aside)
        return DaysWritten(lake.rows_per_day(zone, table, days), query_metadata(execution))

    def _table(self, zone: str, table: str) -> exp.Table:
        """zone.table as the catalog names it."""
        return exp.table_(table, db=self.databases[zone])

    def _with_databases(self, select: exp.Expression) -> exp.Expression:
        """The SELECT with each zone replaced by its Glue database."""
        renamed = select.copy()
        for table in renamed.find_all(exp.Table):
            table.set("db", exp.to_identifier(self.databases[table.db]))
        return renamed

    @staticmethod
    def _partitions(glue, database: str, table: str, days: list[str]) -> list[dict]:
        """The catalog's partitions of the days, as PartitionInputs that recreate them."""
        found = []
        for batch in chunks(days, GET_BATCH):
            response = glue.batch_get_partition(
                DatabaseName=database, TableName=table, PartitionsToGet=[{"Values": [day]} for day in batch]
            )
            found += response["Partitions"]
        return [{key: partition[key] for key in _PARTITION_INPUT_KEYS if key in partition} for partition in found]

    def _run(self, sql: str, parameters: list[str]) -> dict:
        """Start a query in the workgroup and wait for it with exponential backoff; raise Athena's error."""
        athena = aws_client("athena")
        query_id = athena.start_query_execution(
            QueryString=sql,
            WorkGroup=self.workgroup,
            ExecutionParameters=parameters,
            # The workgroup enforces its own location; this one serves a workgroup that does not.
            ResultConfiguration={"OutputLocation": self.output_location},
        )["QueryExecutionId"]
        delays = backoff(self.first_poll_seconds, self.max_poll_seconds)
        try:
            while (execution := athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"])["Status"][
                "State"
            ] not in DONE:
                time.sleep(next(delays))
        except BaseException:
            # The Dagster run was stopped (or polling failed): the query must not go on writing the days.
            athena.stop_query_execution(QueryExecutionId=query_id)
            raise
        status = execution["Status"]
        if status["State"] != "SUCCEEDED":
            reason = status.get("AthenaError", {}).get("ErrorMessage") or status.get("StateChangeReason", "")
            raise AthenaQueryFailed(f"Athena query {query_id} {status['State']}: {reason}")
        return execution


def query_metadata(execution: dict) -> dict[str, float | int | str]:
    """Query id, bytes scanned, engine time and estimated cost of a finished query."""
    statistics = execution.get("Statistics", {})
    scanned = int(statistics.get("DataScannedInBytes", 0))
    return {
        "athena_query_id": execution["QueryExecutionId"],
        "athena_bytes_scanned": scanned,
        "athena_engine_ms": int(statistics.get("EngineExecutionTimeInMillis", 0)),
        "athena_estimated_cost_usd": round(max(scanned, MIN_BYTES) / 1024**4 * USD_PER_TB, 6),
    }
