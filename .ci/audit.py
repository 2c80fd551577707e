"""pip-audit over the hashed locks: a finding fails, an unreachable vulnerability database is said and skipped."""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# pip-audit's own services, tried in turn until one answers for the locked packages.
SERVICES = ("pypi", "osv")
# What requests and urllib3 raise when a service cannot be reached: only these skip the audit; any other failure
# of pip-audit (an unreadable lock, a hash missing) fails CI.
NETWORK_ERROR = re.compile(
    r"ConnectionError|NameResolutionError|ConnectTimeout|ReadTimeout|Max retries exceeded|"
    r"Temporary failure in name resolution|Network is unreachable|Connection refused|SSLError|ProxyError"
)
IGNORE_LINE = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9._:-]*)\s*#\s*(?P<reason>\S.*)$")


@dataclass
class Audit:
    """What one service said about the locks: packages audited, skipped, vulnerabilities found."""

    service: str
    audited: int = 0
    skipped: list[str] = field(default_factory=list)
    vulnerabilities: list[str] = field(default_factory=list)
    unreachable: str = ""


def read_ignores(path: Path) -> dict[str, str]:
    """The ignored vulnerability IDs and their reasons; a line without a reason is refused."""
    ignores = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = IGNORE_LINE.match(line)
        if not match:
            raise SystemExit(f"{path}:{number}: expected '<vulnerability id>  # <reason>', got {line!r}")
        ignores[match["id"]] = match["reason"]
    return ignores


def interpret(service: str, returncode: int, report_text: str, stderr: str) -> Audit:
    """Reads pip-audit's JSON report; a network failure or an answer that audited nothing marks it unreachable."""
    try:
        report = json.loads(report_text)
    except json.JSONDecodeError:
        errors = [line for line in stderr.splitlines() if NETWORK_ERROR.search(line)]
        if errors:
            return Audit(service, unreachable=errors[-1].strip()[:300])
        raise SystemExit(f"pip-audit failed (exit {returncode}) with the {service} service:\n{stderr}") from None
    audit = Audit(service)
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            audit.skipped.append(f"{dependency['name']}: {dependency['skip_reason']}")
            continue
        audit.audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "none yet"
            audit.vulnerabilities.append(
                f"{dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in: {fixes})"
            )
    if not audit.audited:
        # A package index that serves no per-release JSON (a mirror, a proxy) answers "not found" for every one.
        first = audit.skipped[0] if audit.skipped else "no dependency in the report"
        audit.unreachable = f"it audited none of {len(audit.skipped)} packages ({first})"
    return audit


def run_pip_audit(service: str, locks: list[Path], ignores: dict[str, str], osv_url: str | None) -> Audit:
    """One pip-audit run over the locks as hashed requirements, without building an environment."""
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--disable-pip",
            "--require-hashes",
            "--vulnerability-service",
            service,
        ]
        command += ["--format", "json", "--output", str(report_path), "--progress-spinner", "off", "--timeout", "20"]
        command += [argument for lock in locks for argument in ("--requirement", str(lock))]
        command += [argument for vulnerability in ignores for argument in ("--ignore-vuln", vulnerability)]
        command += ["--osv-url", osv_url] if osv_url and service == "osv" else []
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        report_text = report_path.read_text(encoding="utf-8") if report_path.exists() else ""
    return interpret(service, result.returncode, report_text, result.stderr)


def main() -> int:
    """Audits the locks with the first service that answers; exit 1 on a vulnerability not ignored."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ignore-file", type=Path, required=True)
    parser.add_argument("--services", default=",".join(SERVICES), help="pip-audit services to try, in turn")
    parser.add_argument("--osv-url", help="an OSV-compatible query endpoint instead of OSV's own")
    parser.add_argument("locks", type=Path, nargs="+")
    arguments = parser.parse_args()
    ignores = read_ignores(arguments.ignore_file)
    for vulnerability, reason in ignores.items():
        print(f"pip-audit: ignoring {vulnerability}: {reason}")
    unreachable = []
    for service in arguments.services.split(","):
        audit = run_pip_audit(service, arguments.locks, ignores, arguments.osv_url)
        if audit.unreachable:
            unreachable.append(f"{service}: {audit.unreachable}")
            continue
        for skipped in audit.skipped:
            print(f"pip-audit: not audited by {service}: {skipped}")
        for vulnerability in audit.vulnerabilities:
            print(f"pip-audit: VULNERABLE {vulnerability}")
        print(
            f"pip-audit: {audit.audited} locked packages audited against {service}: "
            f"{len(audit.vulnerabilities)} known vulnerabilities not ignored"
        )
        return 1 if audit.vulnerabilities else 0
    print("pip-audit: SKIPPED, the locks were not audited: no vulnerability database reachable")
    for reason in unreachable:
        print(f"pip-audit:   {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
