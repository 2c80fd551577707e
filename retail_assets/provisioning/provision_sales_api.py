"""The sales API on AWS: the generator as a Lambda function behind an API Gateway HTTP API (opt-in provision step)."""

import base64
import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path

from retail_assets.provisioning.account import Account, role_name
from retail_assets.provisioning.changes import Changes, found
from retail_assets.settings import PROJECT_ROOT, AwsSettings

HANDLER = "retail_assets.sources.sales_api_lambda.handler"
RUNTIME = "python3.11"  # Glue 5.0's Python too
# The modules the handler imports, and the pure-Python libraries they need, vendored from this environment.
PROJECT_FILES = (
    "retail_assets/__init__.py",
    "retail_assets/sources/__init__.py",
    "retail_assets/sources/sales_api_lambda.py",
    "retail_assets/sources/sales_api_pages.py",
    "retail_assets/sources/sales_api_server.py",
    "retail_assets/store_files/__init__.py",
    "retail_assets/store_files/generator.py",
    "retail_assets/store_files/objects.py",
    "retail_assets/store_files/retailer.py",
    "glue_scripts/__init__.py",
    "glue_scripts/sales_contract.py",
)
VENDORED = ("faker", "tqdm", "tzdata")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every entry: the same sources give the same bytes, hence the same CodeSha256
STATEMENT_ID = "api-gateway-invoke"


def function_name(aws: AwsSettings) -> str:
    """The Lambda function's name (its HTTP API has the same name)."""
    return f"{aws.prefix}-sales-api"


def lambda_zip() -> bytes:
    """The function's code: the handler's modules and the libraries they import, deterministic to the byte."""
    files: list[tuple[str, Path]] = [(name, PROJECT_ROOT / name) for name in PROJECT_FILES]
    for package in VENDORED:
        root = Path(importlib.util.find_spec(package).origin).parent
        files += [
            (f"{package}/{path.relative_to(root)}", path)
            for path in root.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def function_configuration(aws: AwsSettings, account: Account, role: str, timezone: str, token_secret: str) -> dict:
    """What CreateFunction and UpdateFunctionConfiguration take, its code and name aside."""
    variables = {"SALES_API_TIMEZONE": timezone, "SALES_API_SEED": "7", "SALES_API_ROWS_PER_DAY": "2000"}
    if token_secret:
        variables["SALES_API_TOKEN_SECRET"] = token_secret
    return {
        "Runtime": RUNTIME,
        "Handler": HANDLER,
        "Role": account.role_arn(role),
        "Timeout": 30,
        "MemorySize": 512,
        "Environment": {"Variables": variables},
        "Description": "Retail sales API: the store file generator's sales, a page at a time",
    }


def _state(configuration: dict, code_sha256: str) -> dict:
    """The fields provision sets, as GetFunction answers them (the role compared by name)."""
    return {
        "CodeSha256": code_sha256,
        **{key: configuration.get(key) for key in ("Runtime", "Handler", "Timeout", "MemorySize", "Description")},
        "Role": role_name(configuration["Role"]),
        "Environment": {"Variables": configuration.get("Environment", {}).get("Variables", {})},
    }


def ensure_sales_api(
    changes: Changes, aws: AwsSettings, account: Account, role: str, timezone: str, token_secret: str = ""
) -> str | None:
    """The function, its HTTP API (a quick-create API: one route, the $default stage) and the invoke permission.

    Returns the API's /sales URL (None in a dry run before the API exists).
    """
    lambda_client, apis = account.client("lambda"), account.client("apigatewayv2")
    name, code = function_name(aws), lambda_zip()
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    configuration = function_configuration(aws, account, role, timezone, token_secret)
    current = found(lambda: lambda_client.get_function(FunctionName=name), "ResourceNotFoundException")

    def update(fields: list[str]) -> None:
        if "CodeSha256" in fields:
            lambda_client.update_function_code(FunctionName=name, ZipFile=code)
            lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name)
        if set(fields) - {"CodeSha256"}:
            lambda_client.update_function_configuration(FunctionName=name, **configuration)

    changes.ensure(
        "lambda function",
        name,
        None if current is None else _state(current["Configuration"], current["Configuration"]["CodeSha256"]),
        _state(configuration, sha),
        lambda: lambda_client.create_function(FunctionName=name, Code={"ZipFile": code}, **configuration),
        update,
    )
    function_arn = account.arn("lambda", f"function:{name}")
    api = next((item for item in apis.get_apis()["Items"] if item["Name"] == name), None)
    changes.ensure(
        "http api",
        name,
        None if api is None else {},
        {},
        lambda: apis.create_api(Name=name, ProtocolType="HTTP", Target=function_arn),
    )
    api = next((item for item in apis.get_apis()["Items"] if item["Name"] == name), None)
    if api is None:
        return None  # a dry run
    source_arn = account.arn("execute-api", f"{api['ApiId']}/*/*")
    policy = found(lambda: lambda_client.get_policy(FunctionName=name), "ResourceNotFoundException")
    changes.ensure(
        "lambda permission",
        f"{name} ({STATEMENT_ID})",
        None if policy is None or STATEMENT_ID not in policy["Policy"] else {},
        {},
        lambda: lambda_client.add_permission(
            FunctionName=name,
            StatementId=STATEMENT_ID,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source_arn,
        ),
    )
    return f"{api['ApiEndpoint']}/sales"
