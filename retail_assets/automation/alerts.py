"""Run-failure alerts: what one says, and where it goes (the Dagster log locally, an SNS topic on AWS)."""

import logging
from abc import abstractmethod
from dataclasses import dataclass

import dagster as dg

from retail_assets.resources.aws_clients import aws_client

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


class LogAlerts(Alerts):
    """Local mode: the alert is an error line in the failure sensor's tick log."""

    def send(self, alert: RunFailureAlert, log: logging.Logger) -> None:
        log.error(alert.text())


class SnsAlerts(Alerts):
    """AWS mode: one message on an SNS topic per failed run (throttling and 5xx retried by the client)."""

    topic: str
    region: str | None = None

    def topic_arn(self) -> str:
        """The topic's ARN; a bare name is completed with the caller's account (known only when a run fails)."""
        if self.topic.startswith("arn:"):
            return self.topic
        identity = aws_client("sts", self.region).get_caller_identity()
        partition = identity["Arn"].split(":")[1]
        region = aws_client("sns", self.region).meta.region_name
        return f"arn:{partition}:sns:{region}:{identity['Account']}:{self.topic}"

    def send(self, alert: RunFailureAlert, log: logging.Logger) -> None:
        response = aws_client("sns", self.region).publish(
            TopicArn=self.topic_arn(), Subject=alert.subject(), Message=alert.text()
        )
        log.info(f"alert for run {alert.run_id} published to SNS, message id {response['MessageId']}")
