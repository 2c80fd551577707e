"""Glue crawlers and the Data Catalog: start, wait with backoff, fail with the crawl's own error."""

import time

from retail_assets.defs.resources.aws.clients import aws_client, backoff
from retail_assets.defs.resources.crawler import Crawler
from retail_assets.defs.resources.lake import Lake, validate_table


class CrawlFailed(RuntimeError):
    """A crawl ended FAILED or CANCELLED; the message is Glue's."""


class GlueCrawler(Crawler):
    """One crawler per zone (provisioned); the crawled table's schema comes from the catalog."""

    crawler_names: dict[str, str]
    databases: dict[str, str]
    first_poll_seconds: float = 5
    max_poll_seconds: float = 60
    timeout_seconds: float = 3600

    def crawl(self, lake: Lake, zone: str, table: str) -> list[tuple[str, str]]:
        zone, table = validate_table(zone, table)
        glue, name = aws_client("glue"), self.crawler_names[zone]
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
        glue = aws_client("glue")
        try:
            found = glue.get_table(DatabaseName=self.databases[zone], Name=table)["Table"]
        except glue.exceptions.EntityNotFoundException:
            return []
        columns = found["StorageDescriptor"]["Columns"] + found.get("PartitionKeys", [])
        return [(column["Name"], column["Type"]) for column in columns]
