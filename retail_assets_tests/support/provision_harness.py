"""A recorded moto account to provision into, and provision run as the CLI runs it (a pytest plugin)."""

import boto3
import botocore.awsrequest
import pytest
from moto import mock_aws

from retail_assets.provisioning.provision import provision
from retail_assets.settings import aws_settings_from
from retail_assets_tests.support.moto_account import fake_credentials

ACCOUNT, REGION, TIMEZONE = "123456789012", "eu-west-1", "America/New_York"
ENVIRONMENT = {"RETAIL_AWS_PREFIX": "retail-test", "RETAIL_LAKE_PREFIX": "lakehouse/v1", "AWS_DEFAULT_REGION": REGION}
AWS = aws_settings_from(ENVIRONMENT)
READ_ONLY = ("Get", "Head", "Describe", "List")
# moto implements no UpdateJob, UpdateCrawler or UpdateWorkGroup: those calls are answered here, after botocore
# has validated their parameters against the service model.
UNIMPLEMENTED_UPDATES = {"UpdateJob", "UpdateCrawler", "UpdateWorkGroup"}


@pytest.fixture
def account(monkeypatch):
    """An empty moto account in eu-west-1 with fake credentials; every AWS call made is recorded."""
    fake_credentials(monkeypatch)
    calls: list[tuple[str, dict]] = []

    def record(model, params, **_):
        calls.append((model.name, dict(params)))

    def answer_unimplemented(model, **_):
        if model.name in UNIMPLEMENTED_UPDATES:
            return botocore.awsrequest.AWSResponse("", 200, {}, None), {}
        return None

    make_client = boto3.session.Session.client

    def recording_client(self, *args, **kwargs):
        client = make_client(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", record)
        client.meta.events.register("before-call", answer_unimplemented)
        return client

    monkeypatch.setattr(boto3.session.Session, "client", recording_client)
    with mock_aws():
        yield calls


def run(aws=AWS, iam_dir=None, dry_run=False):
    """Provision, returning {resource: outcome} from the printed lines (the first line is a header)."""
    lines: list[str] = []
    provision(aws, TIMEZONE, iam_dir, dry_run, echo=lines.append)
    return dict(line.split(": ", 1) for line in lines[1:])


def mutating(calls) -> list[str]:
    """The names of the calls that may change something."""
    return [name for name, _ in calls if not name.startswith(READ_ONLY)]
