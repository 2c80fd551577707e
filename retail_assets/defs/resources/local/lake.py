"""The local lake and landing: directory trees under RETAIL_HOME with S3's key layout."""

from collections.abc import Iterator

import pyarrow.fs as pafs

from retail_assets.defs.resources.lake import Lake, ListedObject
from retail_assets.defs.resources.local.listing import list_local_landing


class LocalLake(Lake):
    """Landing and lake as directory trees under RETAIL_HOME, with S3's key layout."""

    landing_root: str
    lake_root: str

    def filesystem(self) -> pafs.FileSystem:
        return pafs.LocalFileSystem()

    def landing_base(self) -> str:
        return self.landing_root.rstrip("/")

    def lake_base(self) -> str:
        return self.lake_root.rstrip("/")

    def list_landing(self, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
        return list_local_landing(self.landing_base(), prefix, start_after)

    def uri(self, path: str) -> str:
        return f"file://{path}"
