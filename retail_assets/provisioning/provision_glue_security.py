"""The Glue security configuration the jobs and crawlers run with: S3, CloudWatch and bookmark encryption."""

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes, found
from retail_assets.settings import AwsSettings


def security_encryption(aws: AwsSettings) -> dict:
    """With the KMS key: everything encrypted with it; without: SSE-S3 for data (the others need a KMS key)."""
    if aws.kms_key:
        return {
            "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": aws.kms_key}],
            "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": aws.kms_key},
            "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": aws.kms_key},
        }
    return {
        "S3Encryption": [{"S3EncryptionMode": "SSE-S3"}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "DISABLED"},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"},
    }


def ensure_security_configuration(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """The security configuration; Glue cannot update one, so a changed one is deleted and created again."""
    glue = account.client("glue")
    name, desired = aws.glue_security_configuration, security_encryption(aws)
    current = found(lambda: glue.get_security_configuration(Name=name), "EntityNotFoundException")

    def create() -> None:
        glue.create_security_configuration(Name=name, EncryptionConfiguration=desired)

    def replace(fields: list[str]) -> None:
        glue.delete_security_configuration(Name=name)
        create()

    changes.ensure(
        "glue security configuration",
        name,
        None if current is None else current["SecurityConfiguration"]["EncryptionConfiguration"],
        desired,
        create,
        replace,
    )
