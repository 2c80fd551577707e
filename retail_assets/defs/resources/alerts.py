"""The alerts role: what each alert says (a failed run, a blocked range, a missed deadline), and the interface that
delivers them."""

import logging
from abc import abstractmethod
from dataclasses import dataclass
from typing import Protocol

import dagster as dg

# SNS takes a subject of at most 100 printable ASCII characters and a message of at most 256 KB.
MAX_SUBJECT = 100
MAX_ERROR_CHARS = 20_000


class Alert(Protocol):
    """What every alert has: a one-line subject and a plain-text body."""

    def subject(self) -> str:
        """One line, at most 100 printable ASCII characters (SNS's limit)."""

    def text(self) -> str:
        """The whole alert as plain text."""


def subject_line(line: str) -> str:
    """line as an SNS subject: printable ASCII, at most 100 characters."""
    return "".join(char if " " <= char <= "~" else "?" for char in line)[:MAX_SUBJECT]


def clipped(text: str) -> str:
    """text, cut at 20,000 characters (an SNS message holds 256 KB)."""
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + " [truncated]"


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
        return subject_line(f"Dagster run failed: {self.job} [{self.partitions}]")

    def text(self) -> str:
        """The whole alert as plain text."""
        error = clipped(self.error)
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


@dataclass(frozen=True)
class BlockedRangeAlert:
    """A run stopped by blocking checks: the days and checks that failed, and the runs requested for the rest."""

    run_id: str
    job: str
    partitions: str
    failing: dict[str, list[str]]  # day -> the blocking checks that failed on it
    unattributed: list[str]  # failed blocking checks that named no day: every day of the run is in doubt
    requested: list[str]  # the stretches of good days requested again, as 'first...last'
    url: str

    def subject(self) -> str:
        """One line: the run was blocked, on which days."""
        days = ", ".join(sorted(self.failing)) or "days unknown"
        return subject_line(f"Dagster run blocked by checks: {self.job} [{self.partitions}] on {days}")

    def text(self) -> str:
        """The whole alert as plain text."""
        failing = [f"  {day}: {', '.join(checks)}" for day, checks in sorted(self.failing.items())]
        unattributed = [f"  every day of the run: {', '.join(self.unattributed)}"] if self.unattributed else []
        requested = ", ".join(self.requested) if self.requested else "none"
        return clipped(
            "\n".join(
                [
                    f"Dagster run {self.run_id} was stopped by blocking asset checks.",
                    f"Job: {self.job}",
                    f"Partitions: {self.partitions}",
                    "Failed (day: checks):",
                    *failing,
                    *unattributed,
                    f"Good days requested again: {requested}",
                    f"Run: {self.url}",
                ]
            )
        )


@dataclass(frozen=True)
class DeadlineMissedAlert:
    """An asset's freshness policy failed: its data was not updated by the deadline."""

    asset: str
    deadline: str
    last_updated: str
    url: str

    def subject(self) -> str:
        """One line: which asset missed which deadline."""
        return subject_line(f"Deadline missed: {self.asset} not updated by {self.deadline}")

    def text(self) -> str:
        """The whole alert as plain text."""
        return "\n".join(
            [
                f"{self.asset} missed its deadline: {self.deadline}.",
                f"Last updated: {self.last_updated}",
                f"Asset: {self.url}",
            ]
        )


class Alerts(dg.ConfigurableResource):
    """Where alerts go: failed runs, blocked ranges, missed deadlines."""

    @abstractmethod
    def send(self, alert: Alert, log: logging.Logger) -> None:
        """Deliver one alert; log is the sensor tick's log."""
