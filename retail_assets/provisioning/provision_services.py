"""The Athena workgroup, the SNS alert topic, and a check that the Aurora secret exists."""

from botocore.exceptions import ClientError

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes, found
from retail_assets.settings import AwsSettings

ATHENA_ENGINE = "Athena engine version 3"


def result_encryption(aws: AwsSettings) -> dict:
    """How Athena encrypts query results: with the KMS key when there is one, else SSE-S3."""
    if aws.kms_key:
        return {"EncryptionOption": "SSE_KMS", "KmsKey": aws.kms_key}
    return {"EncryptionOption": "SSE_S3"}


def workgroup_configuration(aws: AwsSettings) -> dict:
    """The workgroup's enforced configuration: encrypted result location, per-query scan limit, engine 3, metrics."""
    return {
        "ResultConfiguration": {"OutputLocation": aws.athena_output, "EncryptionConfiguration": result_encryption(aws)},
        # Enforced: a client cannot send results elsewhere or lift the scan limit.
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
        "BytesScannedCutoffPerQuery": aws.athena_bytes_scanned_limit,
        "EngineVersion": {"SelectedEngineVersion": ATHENA_ENGINE},
    }


def workgroup_state(workgroup: dict) -> dict:
    """The fields of a workgroup provision sets."""
    configuration = workgroup.get("Configuration", {})
    return {
        "State": workgroup.get("State"),
        "OutputLocation": configuration.get("ResultConfiguration", {}).get("OutputLocation"),
        "EncryptionConfiguration": configuration.get("ResultConfiguration", {}).get("EncryptionConfiguration"),
        "EnforceWorkGroupConfiguration": configuration.get("EnforceWorkGroupConfiguration"),
        "PublishCloudWatchMetricsEnabled": configuration.get("PublishCloudWatchMetricsEnabled"),
        "BytesScannedCutoffPerQuery": configuration.get("BytesScannedCutoffPerQuery"),
        "EngineVersion": configuration.get("EngineVersion", {}).get("SelectedEngineVersion"),
    }


def get_workgroup(athena, name: str) -> dict | None:
    """A workgroup, or None when there is none of that name."""
    try:
        # moto answers an unknown workgroup with an empty body, AWS with an InvalidRequestException.
        return athena.get_work_group(WorkGroup=name).get("WorkGroup")
    except ClientError as error:
        if error.response["Error"]["Code"] == "InvalidRequestException" and "not found" in str(error).lower():
            return None
        raise


def ensure_workgroup(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """The Athena workgroup the pipeline's queries run in."""
    athena = account.client("athena")
    name, configuration = aws.athena_workgroup, workgroup_configuration(aws)
    current = get_workgroup(athena, name)

    def update(fields: list[str]) -> None:
        updates = {key: value for key, value in configuration.items() if key != "ResultConfiguration"}
        athena.update_work_group(
            WorkGroup=name,
            State="ENABLED",
            ConfigurationUpdates={"ResultConfigurationUpdates": configuration["ResultConfiguration"], **updates},
        )

    changes.ensure(
        "athena workgroup",
        name,
        None if current is None else workgroup_state(current),
        workgroup_state({"State": "ENABLED", "Configuration": configuration}),
        lambda: athena.create_work_group(
            Name=name, Configuration=configuration, Description="Retail sales lake: final tables and checks"
        ),
        update,
    )


def ensure_topic(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """The SNS topic failure alerts are published to, encrypted at rest with the KMS key when there is one."""
    sns = account.client("sns")
    arn = account.arn("sns", aws.alert_topic)
    current = found(lambda: sns.get_topic_attributes(TopicArn=arn), "NotFound")
    desired = {"KmsMasterKeyId": aws.kms_key} if aws.kms_key else {}

    def update(fields: list[str]) -> None:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=aws.kms_key)

    changes.ensure(
        "sns topic",
        aws.alert_topic,
        None if current is None else {key: current["Attributes"].get(key) for key in desired},
        desired,
        lambda: sns.create_topic(Name=aws.alert_topic, Attributes=desired),
        update,
    )


def check_secret(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """Report whether the Aurora secret exists; it holds a password, so provision never creates it."""
    secrets = account.client("secretsmanager")
    # DescribeSecret returns the secret's metadata only: its value is neither read nor printed.
    current = found(lambda: secrets.describe_secret(SecretId=aws.aurora_secret), "ResourceNotFoundException")
    changes.report("secret", aws.aurora_secret, "present" if current else "missing: create it (see README)")
