"""boto3 clients as every AWS backend makes them: standard retries with backoff, any endpoint."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

# Throttling and 5xx answers are retried with exponential backoff and jitter by botocore's standard mode;
# a data error (4xx other than throttling) is never retried. AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>)
# are honoured by boto3 itself, so the same code talks to AWS or to any compatible endpoint such as moto.
RETRYING = Config(retries={"mode": "standard", "max_attempts": 10})

# Service models parsed once per process: a new session would otherwise parse each model's JSON again (~0.1 s).
_MODELS = botocore.loaders.create_loader()

# The one seam for tests: moto stores Glue job runs and Athena queries but runs none of them, so a test puts a
# local runner (or botocore's Stubber) in front of the clients the backends make. None in production.
_wrap: Callable[[str, Any], Any] | None = None


def aws_client(service: str, region_name: str | None = None):
    """A boto3 client for service with the project's retry policy."""
    # A new session per client: credentials and AWS_* variables are read when the client is made, as boto3 does.
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    # botocore reads AWS_DEFAULT_REGION only; AWS_REGION (what the SDKs of other languages read) counts here too.
    region_name = region_name or os.environ.get("AWS_REGION") or None
    client = boto3.session.Session(botocore_session=core).client(service, region_name=region_name, config=RETRYING)
    return _wrap(service, client) if _wrap else client


@contextmanager
def clients_wrapped_by(wrap: Callable[[str, Any], Any]) -> Iterator[None]:
    """Within the block, aws_client returns wrap(service, client) instead of the client."""
    global _wrap
    previous, _wrap = _wrap, wrap
    try:
        yield
    finally:
        _wrap = previous


def backoff(first_seconds: float, max_seconds: float) -> Iterator[float]:
    """Poll delays: first_seconds, doubling up to max_seconds."""
    delay = first_seconds
    while True:
        yield delay
        delay = min(delay * 2, max_seconds)
