"""Buckets: created in the region, versioned, encrypted by default, every kind of public access blocked."""

from botocore.exceptions import ClientError

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes, found
from retail_assets.settings import AwsSettings

PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


class BucketNotOwned(RuntimeError):
    """The bucket name is taken by another account (bucket names are global)."""


def encryption_rule(kms_key: str | None) -> dict:
    """The default encryption rule: SSE-KMS with a bucket key when a key is set, else SSE-S3."""
    if kms_key:
        # The bucket key caches a data key per bucket, cutting KMS requests (and their cost) by orders of magnitude.
        return {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key},
            "BucketKeyEnabled": True,
        }
    return {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}


def ensure_buckets(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """The landing and lake buckets (one, when both settings name the same bucket)."""
    s3 = account.client("s3")
    desired = {
        "versioning": "Enabled",
        "encryption": encryption_rule(aws.kms_key),
        "public access block": PUBLIC_ACCESS_BLOCK,
    }
    setters = {
        "versioning": lambda bucket: s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        ),
        "encryption": lambda bucket: s3.put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [desired["encryption"]]}
        ),
        "public access block": lambda bucket: s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK
        ),
    }
    for bucket in dict.fromkeys([aws.landing_bucket, aws.lake_bucket]):

        def update(fields: list[str], bucket: str = bucket) -> None:
            for field in fields:
                setters[field](bucket)

        def create(bucket: str = bucket) -> None:
            # us-east-1 is the one region that refuses its own name as a location constraint.
            location = {} if account.region == "us-east-1" else {"LocationConstraint": account.region}
            s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {}))
            update(list(desired), bucket)

        changes.ensure("bucket", bucket, bucket_state(s3, bucket), desired, create, update)


def bucket_state(s3, bucket: str) -> dict | None:
    """A bucket's versioning, default encryption and public access block; None when there is no such bucket."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in ("404", "NoSuchBucket"):
            return None
        if code in ("403", "AccessDenied"):
            raise BucketNotOwned(
                f"bucket {bucket} exists and is not this account's (or may not be read): set other bucket names"
            ) from error
        raise
    encryption = found(
        lambda: s3.get_bucket_encryption(Bucket=bucket), "ServerSideEncryptionConfigurationNotFoundError"
    )
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0] if encryption else {}
    block = found(lambda: s3.get_public_access_block(Bucket=bucket), "NoSuchPublicAccessBlockConfiguration") or {}
    return {
        "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        "encryption": {
            "ApplyServerSideEncryptionByDefault": rule.get("ApplyServerSideEncryptionByDefault"),
            "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
        },
        "public access block": block.get("PublicAccessBlockConfiguration"),
    }
