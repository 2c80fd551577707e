"""boto3 clients as every AWS backend makes them: one resource holding region, endpoint and retry policy."""

import os
from collections.abc import Iterator
from urllib.parse import urlparse

import boto3
import botocore.loaders
import botocore.session
import dagster as dg
import pyarrow.fs as pafs
from botocore.config import Config

# Service models parsed once per process: a new session would otherwise parse each model's JSON again (~0.1 s).
_MODELS = botocore.loaders.create_loader()


def aws_client(
    service: str,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    retry_mode: str = "standard",
    max_attempts: int = 10,
):
    """A boto3 client for service with the given retry policy (provisioning calls this directly)."""
    # A new session per client: credentials and AWS_* variables are read when the client is made, as boto3 does.
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    # botocore reads AWS_DEFAULT_REGION only; AWS_REGION (what the SDKs of other languages read) counts here too.
    region_name = region_name or os.environ.get("AWS_REGION") or None
    config = Config(retries={"mode": retry_mode, "max_attempts": max_attempts})
    return boto3.session.Session(botocore_session=core).client(
        service, region_name=region_name, endpoint_url=endpoint_url, config=config
    )


class AwsClients(dg.ConfigurableResource):
    """The AWS clients every AWS backend uses: one region, one endpoint, one retry policy.

    Throttling and 5xx answers are retried with exponential backoff and jitter by botocore's standard mode; a data
    error (4xx other than throttling) is never retried. Without endpoint_url, AWS_ENDPOINT_URL (and
    AWS_ENDPOINT_URL_<SERVICE>) are honoured by boto3 itself, so the same code talks to AWS or to moto. Tests
    subclass this resource to put a stand-in in front of the clients (moto runs no Glue job and no query).
    """

    region: str | None = None
    endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 10

    def client(self, service: str):
        """A boto3 client for service."""
        return aws_client(service, self.region, self.endpoint_url, self.retry_mode, self.max_attempts)

    def s3_filesystem(self) -> pafs.S3FileSystem:
        """pyarrow's S3 filesystem on the same endpoint as the S3 client, with the same number of attempts."""
        # pyarrow does not read AWS_ENDPOINT_URL(_S3): do what boto3 does.
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        retry = pafs.AwsStandardS3RetryStrategy(max_attempts=self.max_attempts)
        if not endpoint:
            return pafs.S3FileSystem(region=self.region, retry_strategy=retry)
        parsed = urlparse(endpoint)
        return pafs.S3FileSystem(
            region=self.region, endpoint_override=parsed.netloc, scheme=parsed.scheme or "https", retry_strategy=retry
        )


def backoff(first_seconds: float, max_seconds: float) -> Iterator[float]:
    """Poll delays: first_seconds, doubling up to max_seconds."""
    delay = first_seconds
    while True:
        yield delay
        delay = min(delay * 2, max_seconds)
