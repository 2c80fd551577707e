"""The lake and landing on S3: the same key layout as the local tree, read by pyarrow's S3 filesystem."""

from collections.abc import Collection, Iterator

import pyarrow.fs as pafs

from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.aws.listing import list_s3_landing
from retail_assets.defs.resources.lake import Lake, ListedObject
from retail_assets.defs.resources.pinned import PinnedFields

_DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys


def split_path(path: str) -> tuple[str, str]:
    """(bucket, key) of a filesystem path 'bucket/key'."""
    bucket, _, key = path.partition("/")
    return bucket, key


class S3Lake(PinnedFields, Lake):
    """Landing and lake buckets (with optional key prefixes ending in '/')."""

    pinned = ("landing_bucket", "landing_prefix", "lake_bucket", "lake_prefix")

    clients: AwsClients
    landing_bucket: str
    landing_prefix: str = ""
    lake_bucket: str
    lake_prefix: str = ""

    def filesystem(self) -> pafs.FileSystem:
        return self.clients.s3_filesystem()

    def landing_base(self) -> str:
        return f"{self.landing_bucket}/{self.landing_prefix}".rstrip("/")

    def lake_base(self) -> str:
        return f"{self.lake_bucket}/{self.lake_prefix}".rstrip("/")

    def uri(self, path: str) -> str:
        return f"s3://{path}"

    def list_landing(self, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
        return list_s3_landing(
            self.clients.client("s3"), self.landing_bucket, prefix, start_after, root=self.landing_prefix
        )

    def day_files(self, zone: str, table: str, day: str) -> list[str]:
        # Athena's INSERT writes Parquet objects without a suffix: every object not hidden (Hive's rule) is data.
        selector = pafs.FileSelector(self.day_path(zone, table, day), recursive=True, allow_not_found=True)
        return sorted(
            info.path
            for info in self.filesystem().get_file_info(selector)
            if info.is_file and not info.base_name.startswith(("_", "."))
        )

    def object_keys(self, path: str) -> list[str]:
        """Keys of every object under the folder path ('bucket/prefix'), all pages."""
        bucket, prefix = split_path(path.rstrip("/") + "/")
        pages = self.clients.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def folder_files(self, path: str) -> list[str]:
        # Listed by boto3, as moved and deleted: pyarrow's listing would also count folder marker objects.
        bucket = split_path(path)[0]
        return [f"{bucket}/{key}" for key in self.object_keys(path)]

    def move_folder(self, source: str, target: str) -> int:
        """Object by object with boto3: pyarrow cannot move an S3 folder, and leaves folder marker objects behind."""
        s3, (bucket, prefix), (target_bucket, target_prefix) = (
            self.clients.client("s3"),
            split_path(source.rstrip("/") + "/"),
            split_path(target.rstrip("/") + "/"),
        )
        keys = self.object_keys(source)
        for key in keys:
            # The managed copy switches to multipart above 5 GB, where CopyObject would fail.
            s3.copy({"Bucket": bucket, "Key": key}, target_bucket, target_prefix + key[len(prefix) :])
        self._delete_keys(bucket, keys)
        return len(keys)

    def delete_folder(self, path: str, keep: Collection[str] = ()) -> None:
        bucket = split_path(path)[0]
        self._delete_keys(bucket, [key for key in self.object_keys(path) if f"{bucket}/{key}" not in keep])

    def _delete_keys(self, bucket: str, keys: list[str]) -> None:
        """Delete keys in batches, raising if S3 refused any."""
        s3 = self.clients.client("s3")
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
            errors = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True}).get("Errors")
            if errors:
                raise OSError(f"S3 refused to delete {len(errors)} objects in {bucket}, first: {errors[0]}")
