"""The sales API on AWS: its Lambda handler answers like serve-sales-api; provision deploys it behind an HTTP API (moto)."""

import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile

import boto3
import pytest
from moto import mock_aws

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes
from retail_assets.provisioning.provision_sales_api import (
    HANDLER,
    PROJECT_FILES,
    ensure_sales_api,
    function_name,
    lambda_zip,
)
from retail_assets.settings import aws_settings_from
from retail_assets.sources import sales_api_lambda
from retail_assets.sources.sales_api_pages import page_body
from retail_assets_tests.support.moto_account import REGION, fake_credentials

ACCOUNT = "123456789012"
AWS = aws_settings_from({"RETAIL_AWS_PREFIX": "retail-test", "AWS_DEFAULT_REGION": REGION})
ROLE = "retail-test-sales-api"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def event(query: dict, token: str | None = None, path: str = "/sales") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return {"version": "2.0", "rawPath": path, "queryStringParameters": query, "headers": headers}


def test_the_handler_serves_the_same_pages_as_the_server(monkeypatch):
    monkeypatch.setenv("SALES_API_ROWS_PER_DAY", "300")
    monkeypatch.delenv("SALES_API_TOKEN_SECRET", raising=False)
    sales_api_lambda._token.cache_clear()
    query = {"business_date": "2024-03-08", "page": "2", "page_size": "100"}
    response = sales_api_lambda.handler(event(query))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == page_body(query, 7, "UTC", 300)
    assert json.loads(response["body"])["next_page"] == 3
    assert sales_api_lambda.handler(event({"business_date": "2024-02-30"}))["statusCode"] == 400
    assert sales_api_lambda.handler(event(query, path="/other"))["statusCode"] == 404


@pytest.fixture
def account(monkeypatch):
    """An empty moto account holding the function's role."""
    fake_credentials(monkeypatch)
    with mock_aws():
        boto3.client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
        yield Account(ACCOUNT, "aws", REGION)


def test_the_handler_requires_the_token_from_its_secret(account, monkeypatch):
    boto3.client("secretsmanager").create_secret(Name="sales-api-token", SecretString="t0ken")
    monkeypatch.setenv("SALES_API_TOKEN_SECRET", "sales-api-token")
    sales_api_lambda._token.cache_clear()
    try:
        query = {"business_date": "2024-03-08", "page_size": "10"}
        assert sales_api_lambda.handler(event(query))["statusCode"] == 401
        assert sales_api_lambda.handler(event(query, token="wrong"))["statusCode"] == 401
        assert sales_api_lambda.handler(event(query, token="t0ken"))["statusCode"] == 200
    finally:
        sales_api_lambda._token.cache_clear()


def test_provision_deploys_the_function_behind_an_http_api_and_changes_nothing_the_second_time(account):
    lines: list[str] = []
    changes = Changes(False, lines.append)
    url = ensure_sales_api(changes, AWS, account, ROLE, "America/New_York")
    assert lines == [
        f"lambda function {function_name(AWS)}: created",
        f"http api {function_name(AWS)}: created",
        f"lambda permission {function_name(AWS)} (api-gateway-invoke): created",
    ]
    function = boto3.client("lambda").get_function(FunctionName=function_name(AWS))["Configuration"]
    assert function["Handler"] == HANDLER and function["Role"].endswith(f":role/{ROLE}")
    assert function["Environment"]["Variables"]["SALES_API_TIMEZONE"] == "America/New_York"
    assert function["CodeSha256"] == base64.b64encode(hashlib.sha256(lambda_zip()).digest()).decode()
    (api,) = boto3.client("apigatewayv2").get_apis()["Items"]
    assert api["ProtocolType"] == "HTTP" and url == f"{api['ApiEndpoint']}/sales"
    policy = json.loads(boto3.client("lambda").get_policy(FunctionName=function_name(AWS))["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"]["Service"] == "apigateway.amazonaws.com"
    assert api["ApiId"] in json.dumps(statement["Condition"])

    again: list[str] = []
    assert ensure_sales_api(Changes(False, again.append), AWS, account, ROLE, "America/New_York") == url
    assert [line.rsplit(": ", 1)[1] for line in again] == ["unchanged"] * 3

    changed: list[str] = []
    ensure_sales_api(Changes(False, changed.append), AWS, account, ROLE, "Europe/London")
    assert changed[0] == f"lambda function {function_name(AWS)}: updated (Environment)"


def test_the_code_zip_is_deterministic_and_serves_a_page_with_nothing_but_the_standard_library(tmp_path):
    code = lambda_zip()
    assert code == lambda_zip()
    zipfile.ZipFile(io.BytesIO(code)).extractall(tmp_path)
    names = {str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.py")}
    assert set(PROJECT_FILES) <= names and not any(name.startswith("pyarrow/") for name in names)
    # -S: no site-packages, so the handler runs on the zip's content alone, as on Lambda's runtime.
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from retail_assets.sources.sales_api_lambda import handler;"
        "query = {'business_date': '2024-03-08', 'page_size': '5'};"
        "print(handler({'rawPath': '/sales', 'queryStringParameters': query})['body'])"
    )
    env = {"SALES_API_ROWS_PER_DAY": "300", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-S", "-c", script, str(tmp_path)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == page_body({"business_date": "2024-03-08", "page_size": "5"}, 7, "UTC", 300)
