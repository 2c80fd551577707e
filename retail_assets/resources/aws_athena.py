"""Athena engine 3 in a workgroup: our own resource (dagster-aws's returns no statistics and breaks under moto)."""

import time
import uuid

from sqlglot import exp

from retail_assets.resources.athena import Athena, DaysWritten, load_insert, swap_day
from retail_assets.resources.aws_clients import aws_client
from retail_assets.resources.lake import Lake
from retail_assets.settings import validate_day

# Athena's list price per TB scanned, with its 10 MB minimum per query; an estimate for metadata.
USD_PER_TB, MIN_BYTES = 5.0, 10 * 1024**2
DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


class AthenaQueryFailed(RuntimeError):
    """A query ended FAILED or CANCELLED; the message is Athena's."""


class AwsAthena(Athena):
    """INSERT ... SELECT per chunk of days, after moving those days' objects and catalog partitions aside."""

    workgroup: str
    databases: dict[str, str]
    first_poll_seconds: float = 1
    max_poll_seconds: float = 20

    def replace_days(self, lake: Lake, sql_name: str, days: list[str]) -> DaysWritten:
        statement = load_insert(sql_name)
        insert = exp.insert(self._with_databases(statement.select), self._table(statement.zone, statement.table))
        filesystem, staging = (
            lake.filesystem(),
            f"{lake.table_path(statement.zone, statement.table)}/_staging-{uuid.uuid4().hex}",
        )
        day_paths = {day: lake.day_path(statement.zone, statement.table, day) for day in days}
        # Athena's INSERT appends: the days' objects move aside first, and come back if the query fails.
        for day, path in day_paths.items():
            swap_day(filesystem, path, f"{staging}/none", f"{staging}/old/{day}")
        self._drop_partitions(statement.zone, statement.table, days)
        try:
            execution = self._run(
                insert.sql(dialect="athena"), [f"'{validate_day(day)}'" for day in (days[0], days[-1])]
            )
        except Exception:
            for day, path in day_paths.items():
                swap_day(filesystem, path, f"{staging}/old/{day}", f"{staging}/failed/{day}")
            raise
        finally:
            filesystem.delete_dir_contents(staging, missing_dir_ok=True)
        return DaysWritten(lake.rows_per_day(statement.zone, statement.table, days), query_metadata(execution))

    def _table(self, zone: str, table: str) -> exp.Table:
        """zone.table as the catalog names it."""
        return exp.table_(table, db=self.databases[zone])

    def _with_databases(self, select: exp.Expression) -> exp.Expression:
        """The SELECT with each zone replaced by its Glue database."""
        renamed = select.copy()
        for table in renamed.find_all(exp.Table):
            table.set("db", exp.to_identifier(self.databases[table.db]))
        return renamed

    def _drop_partitions(self, zone: str, table: str, days: list[str]) -> None:
        """Remove the days' partitions from the catalog (the INSERT adds back those it writes)."""
        glue = aws_client("glue")
        for start in range(0, len(days), 25):  # BatchDeletePartition takes at most 25 partitions
            glue.batch_delete_partition(
                DatabaseName=self.databases[zone],
                TableName=table,
                PartitionsToDelete=[{"Values": [day]} for day in days[start : start + 25]],
            )

    def _run(self, sql: str, parameters: list[str]) -> dict:
        """Start a query in the workgroup and wait for it with exponential backoff; raise Athena's error."""
        athena = aws_client("athena")
        query_id = athena.start_query_execution(
            QueryString=sql, WorkGroup=self.workgroup, ExecutionParameters=parameters
        )["QueryExecutionId"]
        delay = self.first_poll_seconds
        while (execution := athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"])["Status"][
            "State"
        ] not in DONE:
            time.sleep(delay)
            delay = min(delay * 2, self.max_poll_seconds)
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
