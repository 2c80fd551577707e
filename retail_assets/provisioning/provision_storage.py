"""Buckets: created in the region, versioned, encrypted by default, every kind of public access blocked, TLS only,
objects owned by the account, access logs in the lake bucket, old versions and quarantine expiring."""

import json

from botocore.exceptions import ClientError

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.bucket_rules import (
    OWNERSHIP,
    bucket_policy,
    lifecycle_rules,
    lifecycle_state,
    logging_target,
    policy_text,
)
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
    """The lake and landing buckets (one, when both settings name the same bucket); the lake first: it takes the logs."""
    s3 = account.client("s3")
    for bucket in dict.fromkeys([aws.lake_bucket, aws.landing_bucket]):
        desired = desired_bucket(aws, account, bucket)
        setters = bucket_setters(s3, aws, account, bucket)

        def update(fields: list[str], setters: dict = setters) -> None:
            for field in desired_order(fields):
                setters[field]()

        def create(bucket: str = bucket, update=update, desired: dict = desired) -> None:
            # us-east-1 is the one region that refuses its own name as a location constraint.
            location = {} if account.region == "us-east-1" else {"LocationConstraint": account.region}
            s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {}))
            update(list(desired))

        changes.ensure("bucket", bucket, bucket_state(s3, bucket), desired, create, update)


def desired_order(fields: list[str]) -> list[str]:
    """fields in the order they can be set: the policy that lets logs in before the logging that sends them."""
    order = ["versioning", "encryption", "public access block", "ownership", "policy", "logging", "lifecycle"]
    return sorted(fields, key=order.index)


def desired_bucket(aws: AwsSettings, account: Account, bucket: str) -> dict:
    """Every setting provision gives a bucket, as bucket_state reports them."""
    return {
        "versioning": "Enabled",
        "encryption": encryption_rule(aws.kms_key),
        "public access block": PUBLIC_ACCESS_BLOCK,
        "ownership": OWNERSHIP["Rules"],
        "policy": bucket_policy(aws, account, bucket),
        "logging": logging_target(aws, bucket),
        "lifecycle": lifecycle_state(lifecycle_rules(aws, bucket)),
    }


def bucket_setters(s3, aws: AwsSettings, account: Account, bucket: str) -> dict:
    """One call per setting of desired_bucket."""
    return {
        "versioning": lambda: s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}),
        "encryption": lambda: s3.put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [encryption_rule(aws.kms_key)]}
        ),
        "public access block": lambda: s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK
        ),
        "ownership": lambda: s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=OWNERSHIP),
        "policy": lambda: s3.put_bucket_policy(Bucket=bucket, Policy=policy_text(bucket_policy(aws, account, bucket))),
        "logging": lambda: s3.put_bucket_logging(
            Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": logging_target(aws, bucket)}
        ),
        "lifecycle": lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": lifecycle_rules(aws, bucket)}
        ),
    }


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
    ownership = found(lambda: s3.get_bucket_ownership_controls(Bucket=bucket), "OwnershipControlsNotFoundError") or {}
    policy = found(lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy") or {}
    lifecycle = found(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket), "NoSuchLifecycleConfiguration")
    logging = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled", {})
    return {
        "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        "encryption": {
            "ApplyServerSideEncryptionByDefault": rule.get("ApplyServerSideEncryptionByDefault"),
            "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
        },
        "public access block": block.get("PublicAccessBlockConfiguration"),
        "ownership": ownership.get("OwnershipControls", {}).get("Rules"),
        "policy": json.loads(policy["Policy"]) if policy else None,
        "logging": {key: logging.get(key) for key in ("TargetBucket", "TargetPrefix")} if logging else None,
        "lifecycle": lifecycle_state(lifecycle["Rules"]) if lifecycle else None,
    }
