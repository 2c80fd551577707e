"""Athena's UNLOAD behind moto's StartQueryExecution: DuckDB runs the SELECT, the rows land as Parquet objects."""

import io
import re

import boto3
import duckdb
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from retail_assets_tests.support.aws_harness import AthenaOnDuckDB, split_uri

UNLOAD = re.compile(r"^UNLOAD \((?P<select>.+)\) TO '(?P<target>s3://[^']+/)' WITH \((?P<options>[^)]*)\)$", re.DOTALL)


class AthenaWithUnload(AthenaOnDuckDB):
    """INSERTs as the harness runs them; an UNLOAD writes its rows as two Parquet objects, as Athena splits them."""

    def _execute(self, query_id: str, sql: str, parameters: list[str]) -> dict:
        match = UNLOAD.match(sql)
        if not match:
            return super()._execute(query_id, sql, parameters)
        try:
            if "format = 'PARQUET'" not in match["options"]:
                raise NotImplementedError(f"only Parquet UNLOADs run here: {match['options']}")
            bucket, prefix = split_uri(match["target"])
            s3 = boto3.client("s3")
            if s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount"):
                raise RuntimeError(f"HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: {prefix}")
            select = sqlglot.parse_one(match["select"], read="athena")
            for placeholder, value in zip(list(select.find_all(exp.Placeholder)), parameters, strict=True):
                placeholder.replace(sqlglot.parse_one(value, read="athena"))
            glue = boto3.client("glue")
            with duckdb.connect() as connection:
                for source in select.find_all(exp.Table):
                    self._register(connection, glue, source.db, source.name, self.backstage.workdir / query_id)
                rows = connection.sql(select.sql(dialect="duckdb")).to_arrow_table()
            # The second half first: the objects' order is not the rows' order.
            half = rows.num_rows // 2
            for index, part in enumerate((rows.slice(half), rows.slice(0, half))):
                buffer = io.BytesIO()
                pq.write_table(part, buffer)
                s3.put_object(Bucket=bucket, Key=f"{prefix}{query_id}_{index:05d}", Body=buffer.getvalue())
            status = {"State": "SUCCEEDED"}
        except Exception as error:  # noqa: BLE001 - every error becomes the query's, as Athena reports it
            status = {"State": "FAILED", "AthenaError": {"ErrorCategory": 2, "ErrorMessage": str(error)}}
        return {"Status": status, "Statistics": {"DataScannedInBytes": 0, "EngineExecutionTimeInMillis": 1}}
