"""Least-privilege IAM for purchase propensity: the SageMaker execution role, and what the runner adds."""

from retail_assets.propensity.storage import FEATURES_KEY, MODEL_PREFIX
from retail_assets.provisioning.account import Account
from retail_assets.provisioning.iam_statements import statement
from retail_assets.settings import AwsSettings

SAGEMAKER_POLICY = "sagemaker-execution-policy.json"


def _image_repository(aws: AwsSettings, partition: str) -> list[str]:
    """The ECR repository of the built-in XGBoost image (AWS's account, the image's region)."""
    if not aws.xgboost_image:
        return []
    registry, _, path = aws.xgboost_image.partition("/")
    account, region = registry.split(".")[0], registry.split(".")[3]
    return [f"arn:{partition}:ecr:{region}:{account}:repository/{path.split(':')[0]}"]


def sagemaker_execution_policy(aws: AwsSettings, account: Account) -> dict:
    """For the role training jobs and the endpoint run as: the CSV channel in, model.tar.gz out, the image, logs."""
    lake = account.s3_arn(aws.lake_bucket)
    training, models = f"{aws.sagemaker_prefix}training/", f"{aws.sagemaker_prefix}models/"
    logs = account.arn("logs", "log-group:/aws/sagemaker/*")
    repository = _image_repository(aws, account.partition)
    return {
        "Version": "2012-10-17",
        "Statement": [
            statement("ListLake", ["s3:ListBucket", "s3:GetBucketLocation"], [lake]),
            statement("ReadTrainingData", ["s3:GetObject"], [account.s3_arn(aws.lake_bucket, f"{training}*")]),
            statement(
                "WriteReadModels",
                ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                [account.s3_arn(aws.lake_bucket, f"{models}*")],
            ),
            # GetAuthorizationToken has no resource-level permissions: "*" is the only resource it accepts.
            statement("EcrToken", ["ecr:GetAuthorizationToken"], ["*"]),
            *(
                [
                    statement(
                        "PullXgboostImage",
                        ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        repository,
                    )
                ]
                if repository
                else []
            ),
            statement(
                "SageMakerLogs",
                ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                [logs, f"{logs}:log-stream:*"],
            ),
            statement(
                "SageMakerMetrics",
                ["cloudwatch:PutMetricData"],
                ["*"],
                {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            ),
            *([statement("LakeKmsKey", ["kms:Decrypt", "kms:GenerateDataKey"], [aws.kms_key])] if aws.kms_key else []),
        ],
    }


def runner_sagemaker_statements(aws: AwsSettings, account: Account) -> list[dict]:
    """What the Dagster runner needs to train, register, deploy and ask the propensity model."""
    name = aws.propensity_name
    lake_keys = [f"{aws.lake_prefix}{MODEL_PREFIX}/", f"{aws.lake_prefix}{FEATURES_KEY.rsplit('/', 1)[0]}/"]
    return [
        statement(
            "PropensityLake",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [account.s3_arn(aws.lake_bucket, f"{key}*") for key in lake_keys],
        ),
        statement(
            "SageMakerData",
            ["s3:GetObject", "s3:PutObject"],
            [account.s3_arn(aws.lake_bucket, f"{aws.sagemaker_prefix}*")],
        ),
        statement(
            "TrainingJobs",
            ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"],
            [account.arn("sagemaker", f"training-job/{name}-*")],
        ),
        statement(
            "ModelPackages",
            ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage"],
            [
                account.arn("sagemaker", f"model-package-group/{name}"),
                account.arn("sagemaker", f"model-package/{name}/*"),
            ],
        ),
        statement(
            "ModelsAndEndpoint",
            [
                "sagemaker:CreateModel",
                "sagemaker:DescribeModel",
                "sagemaker:CreateEndpointConfig",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:CreateEndpoint",
                "sagemaker:UpdateEndpoint",
                "sagemaker:DescribeEndpoint",
                "sagemaker:InvokeEndpoint",
            ],
            [
                account.arn("sagemaker", f"model/{name}-*"),
                account.arn("sagemaker", f"endpoint-config/{name}-*"),
                account.arn("sagemaker", f"endpoint/{name}"),
            ],
        ),
        # Jobs and models run as the execution role; the runner may hand that role to SageMaker and nothing else.
        statement(
            "PassSageMakerRole",
            ["iam:PassRole"],
            [account.role_arn(aws.sagemaker_role)],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
    ]
