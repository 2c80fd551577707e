"""`retail-assets serve-model`: POST /predict (customer ids or features as JSON) and a page with a form."""

import argparse
import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from retail_assets.cli.predict import predictor
from retail_assets.propensity.predictor import PredictionError, Predictor

MAX_BODY_BYTES = 1_000_000
MAX_ROWS = 1000


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the serve-model command."""
    parser = subparsers.add_parser(
        "serve-model",
        help="serve the accepted propensity model: POST /predict and a page with a form",
        description='POST /predict takes {"customer_ids": [...]} or {"features": [{...}, ...]} and answers '
        "the scores with the model version; GET / is a page with a form. In aws mode the SageMaker endpoint answers.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.set_defaults(func=run)


def answer(model: Predictor, request: object) -> dict:
    """The predictions a JSON request asks for, else PredictionError saying what is wrong with it."""
    if not isinstance(request, dict) or len({"customer_ids", "features"} & request.keys()) != 1:
        raise PredictionError('the body must be {"customer_ids": [...]} or {"features": [{...}, ...]}')
    if "customer_ids" in request:
        ids = request["customer_ids"]
        if not isinstance(ids, list) or not ids or not all(isinstance(item, str) and item for item in ids):
            raise PredictionError("customer_ids must be a non-empty list of strings")
        if len(ids) > MAX_ROWS:
            raise PredictionError(f"at most {MAX_ROWS} customers per request")
        return model.for_customers(ids)
    rows = request["features"]
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        raise PredictionError("features must be a non-empty list of objects, one per row")
    if len(rows) > MAX_ROWS:
        raise PredictionError(f"at most {MAX_ROWS} rows per request")
    return model.for_features(rows)


def handler_for(model: Predictor, page: bytes) -> type[BaseHTTPRequestHandler]:
    """A request handler bound to the predictor and the page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in ("/", "/index.html"):
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                return
            self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")

        def do_POST(self) -> None:
            if self.path != "/predict":
                self._json(HTTPStatus.NOT_FOUND, {"error": "POST /predict only"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY_BYTES:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"the body must be 1 to {MAX_BODY_BYTES} bytes of JSON"})
                return
            try:
                self._json(HTTPStatus.OK, answer(model, json.loads(self.rfile.read(length))))
            except json.JSONDecodeError as error:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"the body is not JSON: {error}"})
            except PredictionError as error:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            except LookupError as error:  # no accepted model or no feature snapshot yet
                self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(error)})

        def _json(self, status: HTTPStatus, document: dict) -> None:
            self._send(status, json.dumps(document).encode(), "application/json")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # the base class names it format
            print(f"{self.address_string()} {format % args}", file=sys.stderr)

    return Handler


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    page = resources.files("retail_assets.cli").joinpath("predict_page.html").read_bytes()
    server = ThreadingHTTPServer((args.host, args.port), handler_for(predictor(), page))
    host, port = server.server_address[:2]
    print(f"serving the propensity model on http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
