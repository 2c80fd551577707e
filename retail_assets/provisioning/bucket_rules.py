"""What each bucket must enforce besides encryption: TLS only, owner-held objects, access logs, expiry."""

import json

from retail_assets.provisioning.account import Account
from retail_assets.settings import AwsSettings

OWNERSHIP = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}  # ACLs off: the account owns every object
LOGGING_SERVICE = "logging.s3.amazonaws.com"
# Access logs are kept a year (an audit needs them longer than the data they describe), then expire.
ACCESS_LOG_DAYS = 365
ABORT_UPLOADS_DAYS = 7  # parts of an upload nobody completed cost storage forever


def access_log_prefix(aws: AwsSettings, bucket: str) -> str:
    """The key prefix in the lake bucket that bucket's access logs go to."""
    return f"{aws.access_logs_prefix}{bucket}/"


def bucket_policy(aws: AwsSettings, account: Account, bucket: str) -> dict:
    """Deny every request over plain HTTP; on the lake bucket, let S3's log delivery write the access logs."""
    statements = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            # IAM's equivalent of "*" (everyone, anonymous included); moto's log-delivery check needs a mapping.
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [account.s3_arn(bucket), account.s3_arn(bucket, "*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if bucket == aws.lake_bucket:
        statements += [
            {
                "Sid": f"AccessLogsOf{source.replace('-', '').replace('.', '')}",
                "Effect": "Allow",
                "Principal": {"Service": LOGGING_SERVICE},
                "Action": "s3:PutObject",
                "Resource": account.s3_arn(bucket, f"{access_log_prefix(aws, source)}*"),
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account.id},
                    "ArnLike": {"aws:SourceArn": account.s3_arn(source)},
                },
            }
            for source in dict.fromkeys([aws.lake_bucket, aws.landing_bucket])
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def policy_text(policy: dict) -> str:
    """A policy as PutBucketPolicy takes it."""
    return json.dumps(policy, separators=(",", ":"))


def logging_target(aws: AwsSettings, bucket: str) -> dict:
    """Where bucket's access logs go: the lake bucket's log prefix."""
    return {"TargetBucket": aws.lake_bucket, "TargetPrefix": access_log_prefix(aws, bucket)}


def lifecycle_rules(aws: AwsSettings, bucket: str) -> list[dict]:
    """Old versions expire in every bucket; in the lake, quarantined rows and access logs expire too."""
    rules = [
        {
            "ID": "expire-noncurrent-versions",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "NoncurrentVersionExpiration": {"NoncurrentDays": aws.noncurrent_version_days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_UPLOADS_DAYS},
        }
    ]
    if bucket == aws.lake_bucket:
        rules += [
            {
                "ID": "expire-quarantine",
                "Status": "Enabled",
                "Filter": {"Prefix": f"{aws.lake_prefix}quarantine/"},
                "Expiration": {"Days": aws.quarantine_days},
            },
            {
                "ID": "expire-access-logs",
                "Status": "Enabled",
                "Filter": {"Prefix": aws.access_logs_prefix},
                "Expiration": {"Days": ACCESS_LOG_DAYS},
            },
        ]
    return rules


def lifecycle_state(rules: list[dict]) -> list[tuple]:
    """The parts of lifecycle rules provision sets, comparable whatever S3 adds to them."""
    return sorted(
        (
            rule.get("ID"),
            rule.get("Status"),
            rule.get("Filter", {}).get("Prefix", rule.get("Prefix")),
            rule.get("Expiration", {}).get("Days"),
            rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
            rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"),
        )
        for rule in rules
    )
