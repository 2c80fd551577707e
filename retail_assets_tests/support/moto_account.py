"""A moto server for the AWS tests: every client (boto3, pyarrow) pointed at it, its state machines set per test."""

import json
import logging
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.moto_api import state_manager
from moto.server import ThreadedMotoServer
from psycopg.conninfo import conninfo_to_dict

from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.warehouse.roles import pgpass_passwords

REGION = "eu-west-1"


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials in REGION and none of the machine's profile, session or endpoint: for in-process moto."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free port, with the standard AWS variables pointing every client (and pyarrow) at it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    variables = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
                patch.delenv(name, raising=False)
            for name, value in variables.items():
                patch.setenv(name, value)
            yield endpoint
    finally:
        server.stop()


@contextmanager
def moto_transitions(transitions: dict[str, dict]) -> Iterator[None]:
    """Within the block, moto's models move between states as given (the server runs in this process)."""
    for model, transition in transitions.items():
        state_manager.set_transition(model, transition)
    try:
        yield
    finally:
        for model in transitions:
            state_manager.unset_transition(model)


def reset_moto(endpoint: str) -> None:
    """Empty every moto backend: each test starts from a new account."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()


def clients(wrap: Callable[[str, Any], Any] | None = None, region: str | None = REGION) -> AwsClients:
    """The AWS clients resource; with wrap, every client it makes is wrap(service, client) instead.

    A subclass, not a patched global: Dagster re-creates a resource from its class and config when a run starts,
    and the stand-in goes with the class into every resource that holds it.
    """
    if wrap is None:
        return AwsClients(region=region)

    class WrappedClients(AwsClients):
        def client(self, service: str):
            return wrap(service, super().client(service))

    return WrappedClients(region=region)


def handing(service: str, stand_in: Callable) -> Callable:
    """A wrapper for clients(): stand_in(client) for service's clients, the others as made."""
    return lambda name, client: stand_in(client) if name == service else client


def store_aurora_secret(name: str, url: str) -> str:
    """Store an RDS-style secret for the PostgreSQL at url (no TLS: the test server has none); return its ARN."""
    parts = conninfo_to_dict(url)
    secret = {
        "engine": "postgres",
        "host": parts["host"],
        "port": int(parts.get("port", 5432)),
        "dbname": parts["dbname"],
        "username": parts["user"],
        # The embedded server's URLs name a password file instead of holding the password.
        "password": parts.get("password") or pgpass_passwords(Path(parts["passfile"]))[parts["user"]],
        "sslmode": "disable",
    }
    return boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(secret))["ARN"]


INSECURE_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def evaluate_bucket_policy(bucket, action: str, resource: str, secure_transport: bool):
    """moto's verdict on a request to bucket, told whether it came over TLS (moto itself never says)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(bucket.policy.decode())
    # moto evaluates no Bool condition (it would apply the statement to every request): a statement for plain
    # HTTP requests only is left out of a TLS request's evaluation, as AWS leaves it out.
    if secure_transport:
        policy["Statement"] = [s for s in policy["Statement"] if s.get("Condition") != INSECURE_ONLY]
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


@contextmanager
def moto_requests_over_tls() -> Iterator[None]:
    """Make moto see its requests as TLS ones, as botocore's are on AWS.

    moto ignores aws:SecureTransport, so a bucket's TLS-only policy would deny every request; with this, moto
    judges them as AWS judges an HTTPS request.
    """
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission
    FakeBucket.get_permission = lambda bucket, action, resource: evaluate_bucket_policy(bucket, action, resource, True)
    try:
        yield
    finally:
        FakeBucket.get_permission = original
