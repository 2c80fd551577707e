"""The Glue Data Catalog: a database and a crawler per lake zone, and the final table Athena inserts into."""

import json

from retail_assets.defs.resources.lake import ZONES
from retail_assets.provisioning.account import Account, role_name
from retail_assets.provisioning.changes import Changes, found
from retail_assets.settings import AwsSettings
from retail_assets.tables import DAILY_SALES_TABLE, Table, hive_type

FINAL_ZONE, FINAL_TABLE = DAILY_SALES_TABLE.zone, DAILY_SALES_TABLE.name
PARQUET_FORMAT = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "Parameters": {"serialization.format": "1"},
    },
}
# Hidden objects at any depth below a zone: Spark's _SUCCESS markers and _temporary folders, and the
# _staging-* folders final's day swap writes inside the table folder. They are never data.
CRAWLER_EXCLUSIONS = ["**/_*", "**/_*/**"]
# Only folders new since the last crawl are read; AWS accepts that policy only with schema changes logged.
RECRAWL_POLICY = {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
SCHEMA_CHANGE_POLICY = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}


def zone_uri(aws: AwsSettings, zone: str) -> str:
    """The S3 folder of a lake zone."""
    return f"s3://{aws.lake_bucket}/{aws.lake_prefix}{zone}/"


def table_level(lake_prefix: str) -> int:
    """The crawler's TableLevelConfiguration for tables at <lake_prefix><zone>/<table>/ (the bucket is level 1)."""
    return len([part for part in lake_prefix.split("/") if part]) + 3


def ensure_databases(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """One Glue database per lake zone."""
    glue = account.client("glue")
    for zone in ZONES:
        name = aws.database(zone)
        current = found(lambda name=name: glue.get_database(Name=name), "EntityNotFoundException")
        changes.ensure(
            "glue database",
            name,
            None if current is None else {},
            {},  # a database holds nothing provision sets but its name
            lambda name=name, zone=zone: glue.create_database(
                DatabaseInput={"Name": name, "Description": f"Retail sales lake, {zone} zone"}
            ),
        )


def crawler_definition(aws: AwsSettings, account: Account, zone: str) -> dict:
    """What CreateCrawler and UpdateCrawler take for a zone's crawler (its name aside)."""
    return {
        "Role": account.role_arn(aws.glue_crawler_role),
        "CrawlerSecurityConfiguration": aws.glue_security_configuration,
        "DatabaseName": aws.database(zone),
        "Description": f"Retail sales lake, {zone} zone: one table per folder",
        "Targets": {"S3Targets": [{"Path": zone_uri(aws, zone), "Exclusions": CRAWLER_EXCLUSIONS}]},
        "RecrawlPolicy": RECRAWL_POLICY,
        "SchemaChangePolicy": SCHEMA_CHANGE_POLICY,
        # One table per table folder, its business_date=... folders as partitions, whatever their schemas.
        "Configuration": json.dumps(
            {"Version": 1.0, "Grouping": {"TableLevelConfiguration": table_level(aws.lake_prefix)}}
        ),
    }


def crawler_state(crawler: dict) -> dict:
    """The fields of a crawler provision sets, compared by meaning (role by name, configuration as JSON)."""
    return {
        "Role": role_name(crawler["Role"]),
        "CrawlerSecurityConfiguration": crawler.get("CrawlerSecurityConfiguration"),
        "DatabaseName": crawler.get("DatabaseName"),
        "Description": crawler.get("Description"),
        "Targets": {
            "S3Targets": [
                {"Path": target["Path"], "Exclusions": target.get("Exclusions", [])}
                for target in crawler.get("Targets", {}).get("S3Targets", [])
            ]
        },
        "RecrawlPolicy": {"RecrawlBehavior": crawler.get("RecrawlPolicy", {}).get("RecrawlBehavior")},
        "SchemaChangePolicy": {
            key: crawler.get("SchemaChangePolicy", {}).get(key) for key in ("UpdateBehavior", "DeleteBehavior")
        },
        "Configuration": json.loads(crawler.get("Configuration") or "{}"),
    }


def ensure_crawlers(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """One crawler per lake zone, with the crawlers' role and the Glue security configuration."""
    glue = account.client("glue")
    for zone in ZONES:
        name, definition = aws.crawler(zone), crawler_definition(aws, account, zone)
        current = found(lambda name=name: glue.get_crawler(Name=name), "EntityNotFoundException")
        changes.ensure(
            "glue crawler",
            name,
            None if current is None else crawler_state(current["Crawler"]),
            crawler_state(definition),
            lambda name=name, definition=definition: glue.create_crawler(Name=name, **definition),
            lambda fields, name=name, definition=definition: glue.update_crawler(Name=name, **definition),
        )


def final_table_input(aws: AwsSettings) -> dict:
    """The TableInput of final.daily_sales: Parquet, partitioned by business_date (a string, as in the lake)."""
    return table_input(aws, DAILY_SALES_TABLE)


def table_input(aws: AwsSettings, table: Table) -> dict:
    """The TableInput of a table Athena inserts into: Parquet, partitioned by business_date (a string, as in the lake)."""
    return {
        "Name": table.name,
        "TableType": "EXTERNAL_TABLE",
        # Athena's INSERT INTO reads the format and the compression of the files it writes from here.
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": "SNAPPY"},
        "PartitionKeys": [{"Name": table.partition.name, "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [
                {"Name": column.name, "Type": hive_type(column.type), "Comment": column.description}
                for column in table.columns
            ],
            "Location": f"{zone_uri(aws, table.zone)}{table.name}/",
            **PARQUET_FORMAT,
        },
    }


def table_state(table: dict, parameters: list[str]) -> dict:
    """The fields of a table provision sets; of its parameters only those named (crawls and Athena add others)."""
    descriptor = table.get("StorageDescriptor", {})
    return {
        "TableType": table.get("TableType"),
        "Parameters": {key: table.get("Parameters", {}).get(key) for key in parameters},
        "PartitionKeys": [(key["Name"], key["Type"]) for key in table.get("PartitionKeys", [])],
        "Columns": [
            (column["Name"], column["Type"], column.get("Comment")) for column in descriptor.get("Columns", [])
        ],
        "Location": descriptor.get("Location"),
        "InputFormat": descriptor.get("InputFormat"),
        "OutputFormat": descriptor.get("OutputFormat"),
        "SerializationLibrary": descriptor.get("SerdeInfo", {}).get("SerializationLibrary"),
    }


def ensure_final_table(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """final.daily_sales, which Athena's INSERT INTO needs to exist (the crawler only logs schema changes)."""
    ensure_table(changes, account.client("glue"), aws.database(FINAL_ZONE), final_table_input(aws))


def ensure_table(changes: Changes, glue, database: str, wanted: dict) -> None:
    """A catalog table, created or brought to the TableInput wanted."""
    name = wanted["Name"]
    current = found(lambda: glue.get_table(DatabaseName=database, Name=name), "EntityNotFoundException")
    parameters = list(wanted["Parameters"])
    changes.ensure(
        "glue table",
        f"{database}.{name}",
        None if current is None else table_state(current["Table"], parameters),
        table_state(wanted, parameters),
        lambda: glue.create_table(DatabaseName=database, TableInput=wanted),
        # UpdateTable replaces the definition and keeps the partitions.
        lambda fields: glue.update_table(DatabaseName=database, TableInput=wanted),
    )
