"""Column lineage of an INSERT ... SELECT file, derived by sqlglot rather than written by hand."""

from pathlib import Path

import dagster as dg
import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage


def sql_column_lineage(sql_file: Path, dialect: str = "athena") -> dg.TableColumnLineage:
    """For each column the statement writes, the columns of the source tables it is computed from."""
    statement = sqlglot.parse_one(sql_file.read_text(), read=dialect)
    if statement.key != "insert" or statement.expression.key != "select":
        raise ValueError(f"{sql_file.name} must be one INSERT INTO ... SELECT statement")
    select = statement.expression
    deps = {}
    for projection in select.selects:
        column = projection.alias_or_name
        leaves = [node for node in lineage(column, select, {}, dialect=dialect).walk() if not node.downstream]
        deps[column] = sorted(
            {
                dg.TableColumnDep(asset_key=_table_key(node.expression), column_name=node.name.split(".")[-1])
                for node in leaves
                if isinstance(node.expression, exp.Table)
            },
            key=lambda dep: (dep.asset_key.to_user_string(), dep.column_name),
        )
    return dg.TableColumnLineage(deps)


def _table_key(table: exp.Table) -> dg.AssetKey:
    """The asset of a table the SQL reads: zone.table is asset zone/table."""
    return dg.AssetKey([table.db, table.name])
