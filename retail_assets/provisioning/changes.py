"""How provision changes one resource: create it, update what differs, or leave it; one printed line each."""

from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError


class Changes:
    """Applies creates and updates (none in a dry run) and prints each resource's outcome."""

    def __init__(self, dry_run: bool, echo: Callable[[str], None] = print):
        self.dry_run = dry_run
        self.echo = echo
        self.counts: Counter = Counter()

    def ensure(
        self,
        kind: str,
        name: str,
        current: dict[str, Any] | None,
        desired: dict[str, Any],
        create: Callable[[], None],
        update: Callable[[list[str]], None] | None = None,
    ) -> None:
        """Create the resource when current is None, else update the fields of desired that differ, if any."""
        if current is None:
            self._apply(kind, name, "create", create)
            return
        changed = [field for field in desired if current.get(field) != desired[field]]
        if changed:
            self._apply(kind, name, "update", lambda: update(changed), f" ({', '.join(changed)})")
        else:
            self.report(kind, name, "unchanged")

    def report(self, kind: str, name: str, outcome: str, detail: str = "") -> None:
        """Print one resource's outcome and count it."""
        self.counts[outcome] += 1
        self.echo(f"{kind} {name}: {outcome}{detail}")

    def _apply(self, kind: str, name: str, verb: str, action: Callable[[], None], detail: str = "") -> None:
        if not self.dry_run:
            action()
        self.report(kind, name, f"would {verb}" if self.dry_run else f"{verb}d", detail)


def found(call: Callable[[], dict], *missing: str) -> dict | None:
    """call's answer, or None when AWS answers with one of the error codes that mean 'no such resource'."""
    try:
        return call()
    except ClientError as error:
        if error.response["Error"]["Code"] in missing:
            return None
        raise
