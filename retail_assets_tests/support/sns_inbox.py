"""An SNS topic in moto with an SQS queue subscribed to it: what an alert published there says."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from retail_assets.defs.resources.aws.clients import AwsClients


@contextmanager
def sns_inbox(aws: AwsClients, topic: str) -> Iterator[Callable[[], list[dict]]]:
    """Within mock_aws: creates topic and a subscribed queue; yields a function returning (and removing) the
    messages received since its last call, each as SNS's envelope (Subject, Message)."""
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"{topic}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def received() -> list[dict]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]

    yield received
