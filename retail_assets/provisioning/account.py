"""The AWS account provision works in: its id, partition and region, and the ARNs built from them."""

from dataclasses import dataclass, field

import boto3

from retail_assets.defs.resources.aws.clients import aws_client
from retail_assets.settings import SettingsError


@dataclass(frozen=True)
class Account:
    """An account in a region, as STS reports the caller's."""

    id: str
    partition: str
    region: str
    _clients: dict = field(default_factory=dict, compare=False, repr=False)

    def client(self, service: str):
        """A client of service in the account's region, made once (making one loads AWS's models: slow)."""
        if service not in self._clients:
            self._clients[service] = aws_client(service, self.region)
        return self._clients[service]

    def arn(self, service: str, resource: str) -> str:
        """The ARN of a regional resource of this account."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.id}:{resource}"

    def s3_arn(self, bucket: str, key: str = "") -> str:
        """The ARN of a bucket, or of keys in it (S3 ARNs name neither region nor account)."""
        return f"arn:{self.partition}:s3:::{bucket}" + (f"/{key}" if key else "")

    def role_arn(self, role: str) -> str:
        """The ARN of an IAM role given by name or by ARN."""
        return role if role.startswith("arn:") else f"arn:{self.partition}:iam::{self.id}:role/{role}"


def role_name(role: str) -> str:
    """The name of a role given by name or ARN (Glue may answer either for the same role)."""
    return role.rsplit("/", 1)[-1]


def caller_account(region: str | None) -> Account:
    """The caller's account, from STS (the partition from its ARN, so GovCloud and China work too)."""
    # Else the profile's region; STS alone would answer "aws-global", which is no region to create things in.
    region = region or boto3.session.Session().region_name
    if not region:
        raise SettingsError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)")
    sts = aws_client("sts", region)
    identity = sts.get_caller_identity()
    return Account(identity["Account"], identity["Arn"].split(":")[1], region, {"sts": sts})
