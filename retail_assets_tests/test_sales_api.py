"""The sales API source against `retail-assets serve-sales-api` started here: pages, retries, timeouts, idempotence."""

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from retail_assets.defs.assets.api_sales import api_sales
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.defs.resources.sales_api import SalesApi
from retail_assets.settings import PROJECT_ROOT
from retail_assets.sources.sales_api_client import API_OBJECT, ApiPull, SalesApiError, landing_bytes, pull_day
from retail_assets.store_files.generator import day_records
from retail_assets_tests.support.dagster_dev import DEFAULT_SIGNALS_THEN, stop

DAY = date(2024, 3, 8)
ROWS, PAGE_SIZE = 1200, 250  # five pages
TOKEN = "s3cr3t-test-token"


class Server:
    """`retail-assets serve-sales-api` in its own process group, its URL and its request log."""

    def __init__(self, tmp_path, name: str, *options: str):
        self.log_path = tmp_path / f"{name}.log"
        command = [sys.executable, "-c", DEFAULT_SIGNALS_THEN, "-m", "retail_assets.cli.main", "serve-sales-api"]
        command += ["--port", "0", "--timezone", "UTC", "--rows-per-day", str(ROWS), *options]
        env = {**os.environ, "RETAIL_SALES_API_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log, start_new_session=True
        )
        line = self.process.stdout.readline().decode()
        assert line.startswith("serving the sales API on "), line + self.log_path.read_text()
        self.url = line.split(" on ", 1)[1].strip()

    def log(self) -> str:
        return self.log_path.read_text()

    def close(self) -> None:
        stop(self.process)
        self.process.stdout.close()
        self._log.close()


@pytest.fixture(autouse=True)
def token_in_environment(monkeypatch):
    """The client's token, where the sales_api resource reads it."""
    monkeypatch.setenv("RETAIL_SALES_API_TOKEN", TOKEN)


@pytest.fixture
def flaky_server(tmp_path):
    server = Server(tmp_path, "flaky", "--fail-429", "2", "--fail-500", "3", "--retry-after", "1")
    yield server
    server.close()


def materialize(tmp_path, url: str, **options) -> dg.ExecuteInProcessResult:
    lake = LocalLake(landing_root=str(tmp_path / "landing"), lake_root=str(tmp_path / "lake"))
    sales_api = SalesApi(url=url, page_size=PAGE_SIZE, backoff_seconds=0.1, **options)
    return dg.materialize([api_sales], partition_key=DAY.isoformat(), resources={"lake": lake, "sales_api": sales_api})


def landed(tmp_path) -> list:
    return sorted(path.relative_to(tmp_path) for path in (tmp_path / "landing").rglob("*") if path.is_file())


def test_a_day_of_several_pages_lands_as_the_generated_rows_after_a_429_and_a_500(tmp_path, flaky_server):
    started = time.monotonic()
    result = materialize(tmp_path, flaky_server.url)
    elapsed = time.monotonic() - started
    target = tmp_path / "landing" / "sales" / DAY.isoformat() / API_OBJECT
    expected = day_records(DAY, 7, "UTC", ROWS)
    assert [json.loads(line) for line in target.read_text().splitlines()] == expected
    assert target.read_bytes() == landing_bytes(expected)
    metadata = result.asset_materializations_for_node("landing__api_sales")[0].metadata
    assert metadata["records"].value == ROWS
    assert metadata["days"].value == {
        DAY.isoformat(): {
            "records": ROWS,
            "object": f"sales/{DAY}/{API_OBJECT}",
            "sha256": hashlib.sha256(landing_bytes(expected)).hexdigest(),
        }
    }
    log = flaky_server.log()
    page = f"GET /sales?business_date={DAY}&page={{}}&page_size={PAGE_SIZE} HTTP/1.1"
    assert f'"{page.format(2)}" 429' in log and f'"{page.format(2)}" 200' in log
    assert f'"{page.format(3)}" 500' in log and f'"{page.format(3)}" 200' in log
    assert log.count(" 200 ") == 5 and TOKEN not in log
    assert elapsed >= 1  # the 429's Retry-After: 1 was honoured


def test_re_pulling_the_day_changes_nothing(tmp_path, flaky_server):
    materialize(tmp_path, flaky_server.url)
    target = tmp_path / "landing" / "sales" / DAY.isoformat() / API_OBJECT
    first, files = target.read_bytes(), landed(tmp_path)
    materialize(tmp_path, flaky_server.url)
    assert target.read_bytes() == first and landed(tmp_path) == files == [target.relative_to(tmp_path)]


def test_a_page_that_never_answers_times_out_and_lands_nothing(tmp_path):
    server = Server(tmp_path, "slow", "--slow-pages", "3", "--slow-seconds", "20")
    try:
        with pytest.raises(SalesApiError, match=r"page 3: no answer within 1s, 1 retries"):
            pull_day(ApiPull(server.url, PAGE_SIZE, timeout_seconds=1, retries=1), DAY, TOKEN)
        with pytest.raises(SalesApiError, match=r"page 3: no answer within 1s"):
            materialize(tmp_path, server.url, timeout_seconds=1, retries=1)
    finally:
        server.close()
    assert landed(tmp_path) == []


def test_a_wrong_token_fails_clearly_without_showing_it(tmp_path, flaky_server):
    with pytest.raises(SalesApiError) as caught:
        pull_day(ApiPull(flaky_server.url, PAGE_SIZE), DAY, "wrong-token")
    assert "page 1: HTTP 401 (check the token)" in str(caught.value) and "wrong-token" not in str(caught.value)


class _OtherShape(BaseHTTPRequestHandler):
    """An API whose pages are not the shape the source reads."""

    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": 1}], "page": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_schema_it_cannot_read_fails_clearly(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherShape)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sales"
        with pytest.raises(SalesApiError, match=r"page 1: cannot read the API's schema: 'records' is not a list"):
            pull_day(ApiPull(url), DAY, None)
    finally:
        server.shutdown()
        server.server_close()


def test_the_source_is_external_until_an_api_is_configured(tmp_path):
    script = (
        "import dagster as dg; from retail_assets.definitions import defs;"
        "graph = defs.resolve_asset_graph(); node = graph.get(dg.AssetKey(['landing', 'api_sales']));"
        "print(node.is_materializable, dg.AssetKey(['landing', 'api_sales']) in graph.get(dg.AssetKey(['raw', 'sales'])).parent_keys,"
        "sorted(job.name for job in defs.resolve_all_job_defs() if not job.name.startswith('__')))"
    )
    outputs = []
    for url in ("", "http://127.0.0.1:8765/sales"):
        env = {**os.environ, "RETAIL_HOME": str(tmp_path), "RETAIL_SALES_API_URL": url}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.strip())
    (before_flags, before_jobs), (after_flags, after_jobs) = (
        (o.split(" ", 2)[:2], o.split(" ", 2)[2]) for o in outputs
    )
    assert before_flags == ["False", "True"] and after_flags == ["True", "True"]  # materializable, upstream of raw
    assert "api_sales_pull" not in before_jobs and after_jobs == before_jobs.replace("[", "['api_sales_pull', ", 1)
