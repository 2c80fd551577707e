"""The sales API as an AWS Lambda function behind an API Gateway HTTP API (payload format 2.0).

The same pages as `serve-sales-api`; configured by its environment: SALES_API_SEED, SALES_API_TIMEZONE,
SALES_API_ROWS_PER_DAY, and SALES_API_TOKEN_SECRET (a Secrets Manager secret whose string is the bearer token;
none: no authentication).
"""

import hmac
import json
import os
from functools import lru_cache

from retail_assets.sources.sales_api_pages import BadRequest, page_body
from retail_assets.sources.sales_api_server import SALES_PATH


@lru_cache(maxsize=1)
def _token() -> str | None:
    """The bearer token, read once per cold start from Secrets Manager; None when no secret is configured."""
    secret_id = os.environ.get("SALES_API_TOKEN_SECRET")
    if not secret_id:
        return None
    import boto3  # in every Lambda Python runtime

    return boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]


def _response(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event: dict, context=None) -> dict:
    """GET /sales?business_date=&page=&page_size= as API Gateway hands it over."""
    if event.get("rawPath") != SALES_PATH:
        return _response(404, {"error": f"no such path; try {SALES_PATH}"})
    token = _token()
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    if token is not None and not hmac.compare_digest(headers.get("authorization", ""), f"Bearer {token}"):
        return _response(401, {"error": "missing or wrong bearer token"})
    seed = int(os.environ.get("SALES_API_SEED", "7"))
    rows_per_day = int(os.environ.get("SALES_API_ROWS_PER_DAY", "2000"))
    try:
        body = page_body(
            event.get("queryStringParameters") or {}, seed, os.environ.get("SALES_API_TIMEZONE", "UTC"), rows_per_day
        )
    except BadRequest as error:
        return _response(400, {"error": str(error)})
    return _response(200, body)
