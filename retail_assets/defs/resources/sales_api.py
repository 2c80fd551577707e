"""The sales_api role: where the sales HTTP API is and how to authenticate, read when a run pulls a day."""

import os
from datetime import date

import dagster as dg

from retail_assets.sources.sales_api_client import TOKEN_ENV, ApiPull, SalesApiError, pull_day

TOKEN_SECRET_ENV = "RETAIL_SALES_API_TOKEN_SECRET"


class SalesApi(dg.ConfigurableResource):
    """The API's /sales URL (RETAIL_SALES_API_URL) and its bearer token: an environment variable, or on AWS a
    Secrets Manager secret (else RETAIL_SALES_API_TOKEN_SECRET; SecretString is the token), read per pull, never logged.
    """

    url: str = ""
    page_size: int = 500
    timeout_seconds: float = 10.0
    retries: int = 4
    backoff_seconds: float = 0.5
    token_env: str = TOKEN_ENV
    token_secret_id: str = ""

    def _url(self) -> str:
        if not self.url:
            raise SalesApiError("no sales API configured: set RETAIL_SALES_API_URL (e.g. http://127.0.0.1:8765/sales)")
        return self.url

    def _token(self) -> str | None:
        secret_id = self.token_secret_id or os.environ.get(TOKEN_SECRET_ENV, "")
        if secret_id:
            from retail_assets.defs.resources.aws.clients import aws_client

            return aws_client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        return os.environ.get(self.token_env) or None

    def pull(self, day: date) -> list[dict]:
        """Every record of day, all pages; SalesApiError naming the page on failure."""
        pull = ApiPull(self._url(), self.page_size, self.timeout_seconds, self.retries, self.backoff_seconds)
        return pull_day(pull, day, self._token())
