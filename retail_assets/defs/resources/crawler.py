"""The crawler role: (re)creates a zone's catalog table from the lake's files and reports its columns."""

from abc import abstractmethod

import dagster as dg

from retail_assets.defs.resources.lake import Lake
from retail_assets.tables import describe


def table_schema_metadata(columns: list[tuple[str, str]]) -> dg.TableSchema:
    """Dagster's column schema for a crawled table: the crawled types, with the declared descriptions."""
    return dg.TableSchema(columns=[dg.TableColumn(name, type_, description=describe(name)) for name, type_ in columns])


class Crawler(dg.ConfigurableResource):
    """(Re)creates a zone's table from the files in the lake and reports the inferred schema."""

    @abstractmethod
    def crawl(self, lake: Lake, zone: str, table: str) -> list[tuple[str, str]]:
        """Crawl one lake table; return its columns as (name, type), empty if it holds no file."""
