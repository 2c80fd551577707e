"""Landing objects listed in S3's key order after a given key, from S3 or from a local folder."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

# The most keys one ListObjectsV2 call returns.
S3_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ListedObject:
    """One landing object: its key under the landing root, and a tag that changes when its content may have."""

    key: str
    etag: str


def list_s3_landing(
    s3_client, bucket: str, prefix: str, start_after: str = "", root: str = ""
) -> Iterator[ListedObject]:
    """Objects of bucket under root+prefix whose key (without root) sorts after start_after, one page at a time.

    StartAfter may name a key that no longer exists: S3 starts at the first key greater than it. Pages are
    fetched lazily, so a caller that stops early pays only for the pages it read.
    """
    root = root.strip("/") + "/" if root.strip("/") else ""
    request = {"Bucket": bucket, "Prefix": root + prefix, "PaginationConfig": {"PageSize": S3_PAGE_SIZE}}
    if start_after:
        request["StartAfter"] = root + start_after
    for page in s3_client.get_paginator("list_objects_v2").paginate(**request):
        for item in page.get("Contents", ()):
            yield ListedObject(key=item["Key"][len(root) :], etag=item["ETag"].strip('"'))


def list_local_landing(root: str | Path, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
    """Files under root whose key starts with prefix and sorts after start_after, in S3's key order.

    The tag is size and modification time in nanoseconds: a rewrite changes at least one of them. Folders whose
    every key sorts before start_after are not read at all, so resuming costs the folder names, not the files.
    """
    yield from _walk(Path(root), "", prefix, start_after)


def _walk(folder: Path, folder_key: str, prefix: str, start_after: str) -> Iterator[ListedObject]:
    """The files below folder, depth first in key order."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    # A folder's keys all start with "<name>/", so sorting it by that string puts it where S3 would
    # ("a-b" < "a/x" because "-" < "/").
    named = sorted(
        ((entry.name + "/" if entry.is_dir() else entry.name, entry) for entry in entries), key=itemgetter(0)
    )
    for name, entry in named:
        key = folder_key + name
        if name.endswith("/"):
            if not (key.startswith(prefix) or prefix.startswith(key)):
                continue
            if key <= start_after and not start_after.startswith(key):
                continue  # every key below sorts before start_after
            yield from _walk(Path(entry.path), key, prefix, start_after)
        elif key > start_after and key.startswith(prefix):
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue  # deleted since the folder was read
            yield ListedObject(key=key, etag=f"{stat.st_size}-{stat.st_mtime_ns}")
