"""The sales API landing source: a business day's sales pulled page by page into one landing object for that day.

Paging is the API's own `next_page`; retries, backoff and Retry-After are urllib3's Retry under a requests
session (dlt's REST client, the first choice, is built on the same two, but installing dlt needs a newer
setuptools than the project's environment pins). Nothing is written until every page has arrived, so a failed
pull lands nothing, and the same records always give the same bytes, so re-pulling a day changes nothing.
"""

import json
import os
from dataclasses import dataclass
from datetime import date

import pyarrow.fs as pafs
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from glue_scripts.sales_contract import LANDING_TABLE_PREFIX

TOKEN_ENV = "RETAIL_SALES_API_TOKEN"  # the environment variable holding the bearer token
API_OBJECT = "api/sales_api.jsonl"  # the API's landing object, below the day folder
RETRIED_STATUSES = (429, 500, 502, 503, 504)


class SalesApiError(Exception):
    """A pull that failed: the message names the URL, the day, the page and what went wrong (never the token)."""


@dataclass(frozen=True)
class ApiPull:
    """Where and how to pull: the API's /sales URL, rows per page, seconds to wait for an answer, retries."""

    url: str
    page_size: int = 500
    timeout_seconds: float = 10.0
    retries: int = 4
    backoff_seconds: float = 0.5  # doubles after every retry; a Retry-After header takes precedence


def _session(pull: ApiPull) -> requests.Session:
    """A session retrying connection failures, timeouts, 429 and 5xx with exponential backoff and Retry-After."""
    retry = Retry(
        total=pull.retries,
        backoff_factor=pull.backoff_seconds,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def pull_day(pull: ApiPull, day: date, token: str | None) -> list[dict]:
    """Every record the API holds for day, over all its pages; SalesApiError on anything else."""
    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    records, page = [], 1
    with _session(pull) as session:
        while page is not None:
            where = f"{pull.url} business_date={day} page {page}"
            params = {"business_date": day.isoformat(), "page": page, "page_size": pull.page_size}
            try:
                response = session.get(pull.url, params=params, headers=headers, timeout=pull.timeout_seconds)
            except requests.RequestException as error:
                problem = f"no answer within {pull.timeout_seconds:g}s" if _timed_out(error) else type(error).__name__
                raise SalesApiError(f"{where}: {problem}, {pull.retries} retries") from error
            if response.status_code != 200:
                hint = " (check the token)" if response.status_code in (401, 403) else ""
                raise SalesApiError(f"{where}: HTTP {response.status_code}{hint}")
            body = _page(response, where, page)
            records.extend(body["records"])
            page = body["next_page"]
    return records


def _timed_out(error: requests.RequestException) -> bool:
    """Whether a failed request waited out its timeout (requests reports retried read timeouts as ConnectionError)."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.Timeout) or isinstance(reason, urllib3.exceptions.TimeoutError)


def _page(response: requests.Response, where: str, page: int) -> dict:
    """A page's body, checked: {"page": n, "next_page": n+1 or null, "records": [objects]}."""
    try:
        body = response.json()
    except ValueError as error:
        raise SalesApiError(f"{where}: the answer is not JSON") from error
    problems = []
    if not isinstance(body, dict):
        problems.append("the answer is not a JSON object")
    else:
        if not isinstance(body.get("records"), list) or not all(isinstance(r, dict) for r in body["records"]):
            problems.append("'records' is not a list of objects")
        if body.get("page") != page:
            problems.append(f"'page' is {body.get('page')!r}, not {page}")
        if body.get("next_page") is not None and body.get("next_page") != page + 1:
            problems.append(f"'next_page' is {body.get('next_page')!r}, neither null nor {page + 1}")
    if problems:
        raise SalesApiError(f"{where}: cannot read the API's schema: {'; '.join(problems)}")
    return body


def landing_bytes(records: list[dict]) -> bytes:
    """The day's records as JSON Lines, in the API's order: the same records always give the same bytes."""
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


def land_day(filesystem: pafs.FileSystem, landing_base: str, day: date, records: list[dict]) -> str:
    """Write (or replace) the day's API object through a hidden temporary name; returns its key."""
    key = f"{LANDING_TABLE_PREFIX}/{day.isoformat()}/{API_OBJECT}"
    target = f"{landing_base.rstrip('/')}/{key}"
    folder, name = target.rsplit("/", 1)
    temporary = f"{folder}/.{name}.{os.getpid()}.tmp"  # hidden: ingest and the sensor skip it
    filesystem.create_dir(folder, recursive=True)
    with filesystem.open_output_stream(temporary) as stream:
        stream.write(landing_bytes(records))
    filesystem.move(temporary, target)
    return key
