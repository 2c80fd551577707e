"""The alerts role: what a run-failure alert says, and the interface that delivers it."""

import logging
from abc import abstractmethod
from dataclasses import dataclass

import dagster as dg

# SNS takes a subject of at most 100 printable ASCII characters and a message of at most 256 KB.
MAX_SUBJECT = 100
MAX_ERROR_CHARS = 20_000


@dataclass(frozen=True)
class RunFailureAlert:
    """A failed run, named well enough to act on without opening anything else first."""

    run_id: str
    job: str
    assets: list[str]
    partitions: str
    error: str
    url: str

    def subject(self) -> str:
        """One line: what failed, for which days."""
        line = f"Dagster run failed: {self.job} [{self.partitions}]"
        return "".join(char if " " <= char <= "~" else "?" for char in line)[:MAX_SUBJECT]

    def text(self) -> str:
        """The whole alert as plain text."""
        error = self.error if len(self.error) <= MAX_ERROR_CHARS else self.error[:MAX_ERROR_CHARS] + " [truncated]"
        return "\n".join(
            [
                f"Dagster run {self.run_id} failed.",
                f"Job: {self.job}",
                f"Partitions: {self.partitions}",
                f"Assets: {', '.join(self.assets) or 'none recorded'}",
                f"Run: {self.url}",
                f"Error:\n{error}",
            ]
        )


class Alerts(dg.ConfigurableResource):
    """Where run-failure alerts go."""

    @abstractmethod
    def send(self, alert: RunFailureAlert, log: logging.Logger) -> None:
        """Deliver one alert; log is the sensor tick's log."""
