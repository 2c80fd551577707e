"""Alerts on AWS: one SNS message per alert."""

import logging

from retail_assets.defs.resources.alerts import Alert, Alerts
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.pinned import PinnedFields


class SnsAlerts(PinnedFields, Alerts):
    """AWS mode: one message on an SNS topic per alert (throttling and 5xx retried by the client)."""

    pinned = ("topic",)

    clients: AwsClients
    topic: str

    def topic_arn(self) -> str:
        """The topic's ARN; a bare name is completed with the caller's account (known only when a run fails)."""
        if self.topic.startswith("arn:"):
            return self.topic
        identity = self.clients.client("sts").get_caller_identity()
        partition = identity["Arn"].split(":")[1]
        region = self.clients.client("sns").meta.region_name
        return f"arn:{partition}:sns:{region}:{identity['Account']}:{self.topic}"

    def send(self, alert: Alert, log: logging.Logger) -> None:
        response = self.clients.client("sns").publish(
            TopicArn=self.topic_arn(), Subject=alert.subject(), Message=alert.text()
        )
        log.info(f"alert {alert.subject()!r} published to SNS, message id {response['MessageId']}")
