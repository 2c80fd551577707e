"""CI's audit of the locks: pip-audit against an OSV-compatible service on loopback, and an unreachable one."""

import importlib.util
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from retail_assets_tests.support.constants import PROJECT_ROOT

AUDIT_SCRIPT = Path(PROJECT_ROOT) / ".ci" / "audit.py"
LOCK = Path(PROJECT_ROOT) / "requirements" / "installers.txt"
VULNERABLE_PACKAGE = "wheel"
ADVISORY = "GHSA-test-0001"


class OsvQueries(BaseHTTPRequestHandler):
    """Answers OSV's /v1/query as OSV does: one advisory for VULNERABLE_PACKAGE, nothing for the others."""

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = query["package"]["name"]
        answer = {}
        if name == VULNERABLE_PACKAGE:
            events = [{"introduced": "0"}, {"fixed": "999.0"}]
            affected = [
                {"package": {"name": name, "ecosystem": "PyPI"}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}
            ]
            answer = {"vulns": [{"id": ADVISORY, "summary": "a test advisory", "affected": affected}]}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Quiet: the test reads the audit's output, not the server's."""


@pytest.fixture(scope="module")
def osv_url():
    """An OSV-compatible query endpoint on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), OsvQueries)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def audit(tmp_path: Path, osv_url: str, ignores: str = "") -> subprocess.CompletedProcess:
    """Runs CI's audit over the installers' lock with the OSV service at osv_url."""
    ignore_file = tmp_path / "audit-ignore.txt"
    ignore_file.write_text(ignores, encoding="utf-8")
    command = [sys.executable, str(AUDIT_SCRIPT), "--ignore-file", str(ignore_file), "--services", "osv"]
    command += ["--osv-url", osv_url, str(LOCK)]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # pip-audit's cache goes under the test's HOME
    return subprocess.run(command, capture_output=True, text=True, check=False, env=env, timeout=120)


def test_a_locked_package_with_an_advisory_fails_the_audit(tmp_path, osv_url):
    result = audit(tmp_path, osv_url)
    assert result.returncode == 1, result.stderr
    assert f"pip-audit: VULNERABLE {VULNERABLE_PACKAGE} " in result.stdout
    assert f": {ADVISORY} (fixed in: 999.0)" in result.stdout
    assert "4 locked packages audited against osv: 1 known vulnerabilities not ignored" in result.stdout


def test_an_ignored_advisory_with_its_reason_passes_and_is_said(tmp_path, osv_url):
    result = audit(tmp_path, osv_url, f"{ADVISORY}  # only the build helper, never imported at run time\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"pip-audit: ignoring {ADVISORY}: only the build helper, never imported at run time" in result.stdout
    assert "VULNERABLE" not in result.stdout
    assert "4 locked packages audited against osv: 0 known vulnerabilities not ignored" in result.stdout


def test_an_ignore_without_a_reason_is_refused(tmp_path, osv_url):
    result = audit(tmp_path, osv_url, f"{ADVISORY}\n")
    assert result.returncode != 0
    assert f"audit-ignore.txt:1: expected '<vulnerability id>  # <reason>', got '{ADVISORY}'" in result.stderr


def test_an_unreachable_database_skips_the_audit_and_says_why(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = audit(tmp_path, f"http://127.0.0.1:{closed_port}/v1/query")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "pip-audit: SKIPPED, the locks were not audited: no vulnerability database reachable" in lines
    assert any(line.startswith("pip-audit:   osv: ") and "Connection refused" in line for line in lines), lines


def test_an_answer_that_audited_nothing_counts_as_unreachable():
    spec = importlib.util.spec_from_file_location("ci_audit", AUDIT_SCRIPT)
    ci_audit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ci_audit)
    # What pip-audit's PyPI service writes when the index serves no per-release JSON (a mirror): all skipped.
    skipped = [{"name": "pip", "skip_reason": "Dependency not found on PyPI and could not be audited: pip (26.3)"}]
    result = ci_audit.interpret("pypi", 0, json.dumps({"dependencies": skipped, "fixes": []}), "")
    assert result.unreachable == f"it audited none of 1 packages ({skipped[0]['name']}: {skipped[0]['skip_reason']})"
