"""The lake role: landing objects and the lake's Hive-partitioned Parquet tables (local/ and aws/ implement it)."""

import re
import uuid
from abc import abstractmethod
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

import dagster as dg
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from glue_scripts.sales_contract import (
    LANDING_TABLE_PREFIX,
    PARTITION_COLUMN,
    is_folder_marker,
    is_hidden,
    key_segments_problem,
)
from retail_assets.settings import validate_day

ZONES = ("raw", "cleaned", "quarantine", "final")
# Folders a day swap keeps beside a table's partitions (stash_for's, and the _staging-* of earlier versions).
STASH_PREFIXES = ("_replaced-", "_staging-")
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ListedObject:
    """One landing object: its key under the landing root, and a tag that changes when its content may have."""

    key: str
    etag: str
    size: int = 0
    # Why the listing cannot offer the key as data (a symbolic link, an entry it could not read); None if it can.
    problem: str | None = None


@dataclass(frozen=True, order=True)
class LandingObject:
    """One file a store dropped for a business day."""

    key: str
    size: int


@dataclass(frozen=True)
class StashedDays:
    """Days of a table to be moved aside beside its partitions, and the files each held before."""

    zone: str
    table: str
    days: tuple[str, ...]
    path: str
    originals: Mapping[str, frozenset[str]]


def validate_table(zone: str, table: str) -> tuple[str, str]:
    """Return (zone, table) when both are known-safe identifiers, else raise ValueError."""
    if zone not in ZONES or not _TABLE_NAME.match(table):
        raise ValueError(f"not a lake table: {zone!r}.{table!r}")
    return zone, table


class Lake(dg.ConfigurableResource):
    """Landing and lake storage addressed the same way on S3 and on a local directory tree."""

    @abstractmethod
    def filesystem(self) -> pafs.FileSystem:
        """The pyarrow filesystem the paths below live on."""

    @abstractmethod
    def landing_base(self) -> str:
        """Filesystem path of the landing root (the folder holding sales/)."""

    @abstractmethod
    def lake_base(self) -> str:
        """Filesystem path of the lake root (the folder holding one folder per zone)."""

    @abstractmethod
    def uri(self, path: str) -> str:
        """The URI a Glue script or a query engine is given for a filesystem path."""

    @abstractmethod
    def list_landing(self, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
        """Landing objects whose key starts with prefix and sorts after start_after, lazily, in S3's key order."""

    @abstractmethod
    def move_folder(self, source: str, target: str) -> int:
        """Move every file under the folder source to the same relative path under target; return how many."""

    @abstractmethod
    def delete_folder(self, path: str, keep: Collection[str] = ()) -> None:
        """Delete every file under the folder path, but those in keep."""

    def folder_files(self, path: str) -> list[str]:
        """Every file under the folder path, hidden ones included."""
        selector = pafs.FileSelector(path, recursive=True, allow_not_found=True)
        return sorted(info.path for info in self.filesystem().get_file_info(selector) if info.is_file)

    def stash_for(self, zone: str, table: str, days: list[str]) -> StashedDays:
        """A stash for the days (nothing moves yet), naming the files each day holds now."""
        # Beside the partitions, under a name no partition (business_date=...) and no crawl (_*) takes for data.
        path = f"{self.table_path(zone, table)}/_replaced-{uuid.uuid4().hex}"
        originals = {day: frozenset(self.folder_files(self.day_path(zone, table, day))) for day in days}
        return StashedDays(zone, table, tuple(days), path, originals)

    def stash(self, stashed: StashedDays) -> None:
        """Move the days' files aside, leaving their partitions empty for a statement to write."""
        for day in stashed.days:
            self.move_folder(self.day_path(stashed.zone, stashed.table, day), f"{stashed.path}/{day}")

    def restore(self, stashed: StashedDays) -> None:
        """Delete what was written to the days since they were stashed, then put their previous files back."""
        for day in stashed.days:
            day_path = self.day_path(stashed.zone, stashed.table, day)
            # Files that never moved (a stash that failed part way) are the previous ones: they stay.
            self.delete_folder(day_path, keep=stashed.originals[day])
            self.move_folder(f"{stashed.path}/{day}", day_path)
        self.delete_folder(stashed.path)  # empty by now: every file went back

    def drop(self, stashed: StashedDays) -> None:
        """Delete the stashed files, once the days' new files are in place."""
        self.delete_folder(stashed.path)

    def remove_stale_stashes(self, zone: str, table: str, days: list[str]) -> list[str]:
        """Delete the stashes killed swaps of these days left (holding only these days), once they are rewritten."""
        filesystem, removed = self.filesystem(), []
        selector = pafs.FileSelector(self.table_path(zone, table), allow_not_found=True)
        for info in filesystem.get_file_info(selector):
            if info.type != pafs.FileType.Directory or not info.base_name.startswith(STASH_PREFIXES):
                continue
            held = {inner.base_name for inner in filesystem.get_file_info(pafs.FileSelector(info.path))}
            if held <= set(days):  # a stash holding another day may be a swap of other days still running
                self.delete_folder(info.path)
                removed.append(info.path)
        return removed

    def landing_uri(self) -> str:
        """URI of the landing root, as passed to the ingest job."""
        return self.uri(self.landing_base())

    def table_path(self, zone: str, table: str) -> str:
        """Filesystem path of a lake table's root folder."""
        zone, table = validate_table(zone, table)
        return f"{self.lake_base()}/{zone}/{table}"

    def table_uri(self, zone: str, table: str) -> str:
        """URI of a lake table's root folder."""
        return self.uri(self.table_path(zone, table))

    def day_path(self, zone: str, table: str, day: str) -> str:
        """Filesystem path of one business day's partition folder."""
        return f"{self.table_path(zone, table)}/{PARTITION_COLUMN}={validate_day(day)}"

    def landing_objects(self, day: str) -> list[LandingObject]:
        """The objects landed for a business day that ingest reads, sorted by key, from the sensor's listing.

        Left out, as ingest and the sensor leave them: hidden names, folder markers, keys with empty, '.' or '..'
        segments, and what the listing cannot offer as data (a symbolic link is never followed).
        """
        day_prefix = f"{LANDING_TABLE_PREFIX}/{validate_day(day)}/"
        return sorted(
            LandingObject(listed.key, listed.size)
            for listed in self.list_landing(day_prefix)
            if listed.problem is None
            and not is_hidden(listed.key.removeprefix(day_prefix))
            and not is_folder_marker(listed.key)
            and key_segments_problem(listed.key) is None
        )

    def existing_days(self, zone: str, table: str, days: list[str]) -> list[str]:
        """The days among days that have a partition folder in the table."""
        infos = self.filesystem().get_file_info([self.day_path(zone, table, day) for day in days])
        return [day for day, info in zip(days, infos) if info.type == pafs.FileType.Directory]

    def rows_per_day(self, zone: str, table: str, days: list[str]) -> dict[str, int]:
        """Row count of each day, from Parquet footers only (0 for a day without data)."""
        present = set(self.existing_days(zone, table, days))
        return {
            day: ds.dataset(
                self.day_path(zone, table, day), filesystem=self.filesystem(), format="parquet"
            ).count_rows()
            if day in present
            else 0
            for day in days
        }

    def day_files(self, zone: str, table: str, day: str) -> list[str]:
        """The Parquet files of one day's partition (none when the day has no data)."""
        selector = pafs.FileSelector(self.day_path(zone, table, day), recursive=True, allow_not_found=True)
        return sorted(
            info.path
            for info in self.filesystem().get_file_info(selector)
            if info.is_file and info.base_name.endswith(".parquet") and not is_hidden(info.base_name)
        )

    def days_schema(self, zone: str, table: str, days: list[str]) -> pa.Schema | None:
        """The unified schema of the days' files, from their footers (None when no day has data)."""
        files = [path for day in days for path in self.day_files(zone, table, day)]
        if not files:
            return None
        # Days written by different runs may differ in extra columns: one schema holds them all.
        return pa.unify_schemas([pq.read_schema(path, filesystem=self.filesystem()) for path in files])

    def read_days(self, zone: str, table: str, days: list[str], columns: list[str] | None = None) -> pa.Table | None:
        """The rows of the given days (None when no day has data), business_date included."""
        files = [path for day in days for path in self.day_files(zone, table, day)]
        if not files:
            return None
        filesystem = self.filesystem()
        schema = pa.unify_schemas([pq.read_schema(path, filesystem=filesystem) for path in files])
        dataset = ds.dataset(
            files,
            schema=schema.append(pa.field(PARTITION_COLUMN, pa.string())),
            filesystem=filesystem,
            format="parquet",
            partitioning=ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.string())]), flavor="hive"),
            partition_base_dir=self.table_path(zone, table),
        )
        return dataset.to_table(columns=columns)
