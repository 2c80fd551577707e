"""boto3 clients as every AWS backend makes them: standard retries with backoff, any endpoint."""

import boto3
from botocore.config import Config

# Throttling and 5xx answers are retried with exponential backoff and jitter by botocore's standard mode;
# a data error (4xx other than throttling) is never retried. AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>)
# are honoured by boto3 itself, so the same code talks to AWS or to any compatible endpoint such as moto.
RETRYING = Config(retries={"mode": "standard", "max_attempts": 10})


def aws_client(service: str, region_name: str | None = None):
    """A boto3 client for service with the project's retry policy."""
    return boto3.session.Session().client(service, region_name=region_name, config=RETRYING)
