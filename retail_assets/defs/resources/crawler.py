"""The crawler role: (re)creates a zone's catalog table from the lake's files, and keeps its partitions."""

from abc import abstractmethod

import dagster as dg

from retail_assets.tables import describe


def table_schema_metadata(columns: list[tuple[str, str]]) -> dg.TableSchema:
    """Dagster's column schema for a crawled table: the crawled types, with the declared descriptions."""
    return dg.TableSchema(columns=[dg.TableColumn(name, type_, description=describe(name)) for name, type_ in columns])


class Crawler(dg.ConfigurableResource):
    """(Re)creates a zone's table from the files in the lake and reports the inferred schema."""

    @abstractmethod
    def crawl(self, zone: str, table: str) -> list[tuple[str, str]]:
        """Crawl one lake table; return its columns as (name, type), empty if it holds no file."""

    @abstractmethod
    def partitions(self, zone: str, table: str, days: list[str]) -> list[dict]:
        """The catalog's partitions of the days, as restore_partitions takes them back."""

    @abstractmethod
    def drop_partitions(self, zone: str, table: str, days: list[str]) -> None:
        """Remove the days' partitions from the catalog (the next crawl adds what the lake then holds)."""

    @abstractmethod
    def restore_partitions(self, zone: str, table: str, partitions: list[dict]) -> None:
        """Put back partitions that partitions() returned."""
