"""Glue crawlers and the Data Catalog: start, wait with backoff, fail with the crawl's own error; partitions."""

import time

from retail_assets.defs.partitions import chunks
from retail_assets.defs.resources.aws.clients import AwsClients, backoff
from retail_assets.defs.resources.crawler import Crawler
from retail_assets.defs.resources.lake import validate_table
from retail_assets.defs.resources.pinned import PinnedFields

# The most partitions one call takes: BatchGetPartition, BatchDeletePartition, BatchCreatePartition.
GET_BATCH, DELETE_BATCH, CREATE_BATCH = 1000, 25, 100
_PARTITION_INPUT_KEYS = ("Values", "LastAccessTime", "StorageDescriptor", "Parameters", "LastAnalyzedTime")


class CrawlFailed(RuntimeError):
    """A crawl ended FAILED or CANCELLED; the message is Glue's."""


class GlueCrawler(PinnedFields, Crawler):
    """One crawler per zone (provisioned, its targets the lake's zones); schemas come from the catalog."""

    pinned = ("crawler_names", "databases")

    clients: AwsClients
    crawler_names: dict[str, str]
    databases: dict[str, str]
    first_poll_seconds: float = 5
    max_poll_seconds: float = 60
    timeout_seconds: float = 3600

    def crawl(self, zone: str, table: str) -> list[tuple[str, str]]:
        zone, table = validate_table(zone, table)
        glue, name = self.clients.client("glue"), self.crawler_names[zone]
        try:
            glue.start_crawler(Name=name)
        except glue.exceptions.CrawlerRunningException:
            # Someone else's crawl is under way: wait for it, however it ends, then crawl this run's folders.
            self._wait(glue, name)
            glue.start_crawler(Name=name)
        last = self._wait(glue, name).get("LastCrawl", {})
        if last.get("Status") in ("FAILED", "CANCELLED"):
            raise CrawlFailed(f"crawler {name} {last['Status']}: {last.get('ErrorMessage', 'no message')}")
        return self.table_columns(zone, table)

    def _wait(self, glue, name: str) -> dict:
        """Poll the crawler with exponential backoff until it is READY; return it."""
        delays = backoff(self.first_poll_seconds, self.max_poll_seconds)
        deadline = time.monotonic() + self.timeout_seconds
        while (crawler := glue.get_crawler(Name=name)["Crawler"])["State"] != "READY":
            if time.monotonic() > deadline:
                raise TimeoutError(f"crawler {name} still {crawler['State']} after {self.timeout_seconds} s")
            time.sleep(next(delays))
        return crawler

    def table_columns(self, zone: str, table: str) -> list[tuple[str, str]]:
        """The catalog's columns of a table, partition keys last (empty when the crawler made no table)."""
        glue = self.clients.client("glue")
        try:
            found = glue.get_table(DatabaseName=self.databases[zone], Name=table)["Table"]
        except glue.exceptions.EntityNotFoundException:
            return []
        columns = found["StorageDescriptor"]["Columns"] + found.get("PartitionKeys", [])
        return [(column["Name"], column["Type"]) for column in columns]

    def partitions(self, zone: str, table: str, days: list[str]) -> list[dict]:
        zone, table = validate_table(zone, table)
        glue, found = self.clients.client("glue"), []
        for batch in chunks(days, GET_BATCH):
            response = glue.batch_get_partition(
                DatabaseName=self.databases[zone],
                TableName=table,
                PartitionsToGet=[{"Values": [day]} for day in batch],
            )
            found += response["Partitions"]
        # As PartitionInputs: what BatchCreatePartition takes to recreate them.
        return [{key: partition[key] for key in _PARTITION_INPUT_KEYS if key in partition} for partition in found]

    def drop_partitions(self, zone: str, table: str, days: list[str]) -> None:
        zone, table = validate_table(zone, table)
        glue = self.clients.client("glue")
        for batch in chunks(days, DELETE_BATCH):
            glue.batch_delete_partition(
                DatabaseName=self.databases[zone],
                TableName=table,
                PartitionsToDelete=[{"Values": [day]} for day in batch],
            )

    def restore_partitions(self, zone: str, table: str, partitions: list[dict]) -> None:
        zone, table = validate_table(zone, table)
        glue = self.clients.client("glue")
        for batch in chunks(partitions, CREATE_BATCH):
            glue.batch_create_partition(DatabaseName=self.databases[zone], TableName=table, PartitionInputList=batch)
