"""The propensity model's SageMaker model package group (endpoints and models are made when a model is accepted)."""

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes, found
from retail_assets.settings import AwsSettings


def ensure_model_package_group(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """The group every accepted propensity version is registered in."""
    sagemaker = account.client("sagemaker")
    name = aws.propensity_name
    current = found(lambda: sagemaker.describe_model_package_group(ModelPackageGroupName=name), "ValidationException")
    changes.ensure(
        "sagemaker model package group",
        name,
        None if current is None else {},
        {},
        lambda: sagemaker.create_model_package_group(
            ModelPackageGroupName=name,
            ModelPackageGroupDescription="Purchase propensity: XGBoost versions that passed the quality gate",
        ),
    )
