"""The generator served as the sales HTTP API, with faults to inject for testing the client against it."""

import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from retail_assets.sources.sales_api_pages import BadRequest, page_body

SALES_PATH = "/sales"


@dataclass
class Faults:
    """Pages that answer 429 or 500 on their first request, and pages that answer only after a delay."""

    too_many_requests: frozenset[int] = frozenset()
    server_errors: frozenset[int] = frozenset()
    slow_pages: frozenset[int] = frozenset()
    slow_seconds: float = 30.0
    retry_after_seconds: int = 1
    _requests: dict[tuple[str, int], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def first_request(self, day: str, page: int) -> bool:
        """Count a request of (day, page); whether it is the first."""
        with self._lock:
            self._requests[(day, page)] = self._requests.get((day, page), 0) + 1
            return self._requests[(day, page)] == 1


@dataclass(frozen=True)
class ApiConfig:
    """What the server serves: the generator's seed, zone and day size, its faults, and the token it requires."""

    seed: int = 7
    timezone: str = "UTC"
    rows_per_day: int = 2000
    faults: Faults = field(default_factory=Faults)
    token: str | None = None  # None: no authentication


def make_server(host: str, port: int, config: ApiConfig) -> ThreadingHTTPServer:
    """An HTTP server answering GET /sales?business_date=&page=&page_size= (port 0: any free port)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != SALES_PATH:
                return self._json(HTTPStatus.NOT_FOUND, {"error": f"no such path; try {SALES_PATH}"})
            if config.token is not None and not hmac.compare_digest(
                self.headers.get("Authorization", ""), f"Bearer {config.token}"
            ):
                return self._json(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong bearer token"})
            query = dict(parse_qsl(url.query))
            page = int(query["page"]) if query.get("page", "").isdigit() else 1
            faults = config.faults
            first = faults.first_request(query.get("business_date", ""), page)
            if first and page in faults.too_many_requests:
                headers = {"Retry-After": str(faults.retry_after_seconds)}
                return self._json(HTTPStatus.TOO_MANY_REQUESTS, {"error": "slow down"}, headers)
            if first and page in faults.server_errors:
                return self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "injected failure"})
            if page in faults.slow_pages:
                time.sleep(faults.slow_seconds)
            try:
                body = page_body(query, config.seed, config.timezone, config.rows_per_day)
            except BadRequest as error:
                return self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return self._json(HTTPStatus.OK, body)

        def _json(self, status: HTTPStatus, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a slow page past its timeout)

    return ThreadingHTTPServer((host, port), Handler)
