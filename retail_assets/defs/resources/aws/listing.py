"""S3 landing objects listed in key order after a given key, one page at a time."""

from collections.abc import Iterator

from retail_assets.defs.resources.lake import ListedObject

# The most keys one ListObjectsV2 call returns.
S3_PAGE_SIZE = 1000


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
            yield ListedObject(key=item["Key"][len(root) :], etag=item["ETag"].strip('"'), size=item["Size"])
