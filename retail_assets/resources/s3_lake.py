"""The lake and landing on S3: the same key layout as the local tree, read by pyarrow's S3 filesystem."""

import os
from urllib.parse import urlparse

import pyarrow.fs as pafs

from retail_assets.resources.lake import Lake


def s3_filesystem(region: str | None) -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem, pointed at AWS_ENDPOINT_URL(_S3) when set, as boto3 is."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return pafs.S3FileSystem(region=region, retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=10))
    parsed = urlparse(endpoint)
    return pafs.S3FileSystem(
        region=region,
        endpoint_override=parsed.netloc,
        scheme=parsed.scheme or "https",
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=10),
    )


class S3Lake(Lake):
    """Landing and lake buckets (with optional key prefixes ending in '/')."""

    landing_bucket: str
    landing_prefix: str = ""
    lake_bucket: str
    lake_prefix: str = ""
    region: str | None = None

    def filesystem(self) -> pafs.FileSystem:
        return s3_filesystem(self.region)

    def landing_base(self) -> str:
        return f"{self.landing_bucket}/{self.landing_prefix}".rstrip("/")

    def lake_base(self) -> str:
        return f"{self.lake_bucket}/{self.lake_prefix}".rstrip("/")

    def uri(self, path: str) -> str:
        return f"s3://{path}"
