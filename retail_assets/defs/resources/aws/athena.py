"""Athena engine 3 in a workgroup: our own resource (dagster-aws's returns no statistics and breaks under moto)."""

import time

from sqlglot import exp

from retail_assets.defs.resources.athena import Athena, InsertStatement
from retail_assets.defs.resources.aws.clients import AwsClients, backoff
from retail_assets.settings import validate_day

# Athena's list price per TB scanned, with its 10 MB minimum per query; an estimate for metadata.
USD_PER_TB, MIN_BYTES = 5.0, 10 * 1024**2
DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


class AthenaQueryFailed(RuntimeError):
    """A query ended FAILED or CANCELLED; the message is Athena's."""


class AwsAthena(Athena):
    """INSERT ... SELECT in a workgroup, over the zones' Glue databases (Athena's INSERT appends: see Athena)."""

    clients: AwsClients
    workgroup: str
    databases: dict[str, str]
    output_location: str
    first_poll_seconds: float = 1
    max_poll_seconds: float = 20

    def run_insert(self, statement: InsertStatement, days: list[str]) -> dict[str, float | int | str]:
        insert = exp.insert(self.with_databases(statement.select), self._table(statement.zone, statement.table))
        execution = self.run_query(
            insert.sql(dialect="athena"), [f"'{validate_day(day)}'" for day in (days[0], days[-1])]
        )
        return query_metadata(execution)

    def _table(self, zone: str, table: str) -> exp.Table:
        """zone.table as the catalog names it."""
        return exp.table_(table, db=self.databases[zone])

    def with_databases(self, select: exp.Expression) -> exp.Expression:
        """The SELECT with each zone replaced by its Glue database."""
        renamed = select.copy()
        for table in renamed.find_all(exp.Table):
            table.set("db", exp.to_identifier(self.databases[table.db]))
        return renamed

    def run_query(self, sql: str, parameters: list[str]) -> dict:
        """Start a query in the workgroup and wait for it with exponential backoff; raise Athena's error."""
        athena = self.clients.client("athena")
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
