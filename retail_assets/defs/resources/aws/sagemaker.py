"""The model trainer on SageMaker: a training job of the built-in XGBoost container, a model package, a serverless
endpoint.

The built-in container trains rather than this process, so the file that is served is made by the XGBoost that
serves it (1.7 in the container, 3.x here; XGBoost promises that newer versions load older files, not the other
way round), training needs no capacity on the Dagster host, and the package records the job it came from. The gate still judges the file here, on the
held-out rows.
"""

import io
import re
import tarfile
import time
from datetime import UTC, datetime

import dagster as dg
import numpy as np
import pandas as pd

from retail_assets.defs.resources.aws.clients import AwsClients, backoff
from retail_assets.defs.resources.model_trainer import ModelTrainer, TrainedModel
from retail_assets.propensity.model import PARAMS, ROUNDS, file_hash
from retail_assets.propensity.storage import PropensityStore

# What the built-in algorithm takes as hyperparameters: PARAMS, the rounds, as strings (SageMaker's rule).
HYPERPARAMETERS = {**{name: str(value) for name, value in PARAMS.items()}, "num_round": str(ROUNDS)}
MODEL_MEMBER = "xgboost-model"  # the file the container writes into model.tar.gz and loads from it
VARIANT = "AllTraffic"
_FINISHED = {"Completed", "Failed", "Stopped"}


class SageMakerFailure(RuntimeError):
    """A SageMaker job or endpoint ended in failure; the message is SageMaker's."""


class SageMakerTrainer(ModelTrainer):
    """Training jobs, model packages and a serverless endpoint, all named from RETAIL_AWS_PREFIX."""

    clients: AwsClients
    role: str
    image: str = ""  # empty when the region has no known registry and RETAIL_SAGEMAKER_XGBOOST_IMAGE is unset
    bucket: str
    prefix: str
    name: str  # the model package group and the endpoint
    instance_type: str = "ml.m5.large"
    max_seconds: int = 3600
    serverless_memory_mb: int = 2048
    serverless_max_concurrency: int = 5
    poll_seconds: float = 15

    def train(self, context: dg.AssetExecutionContext, features: pd.DataFrame, label: pd.Series) -> TrainedModel:
        # CSV without a header, label first: the built-in algorithm's text/csv input.
        self._require_image()
        body = pd.concat([label, features], axis=1).to_csv(header=False, index=False).encode()
        job = job_name(self.name, file_hash(body))
        s3, sagemaker = self.clients.client("s3"), self.clients.client("sagemaker")
        s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}training/{job}/train/train.csv", Body=body)
        sagemaker.create_training_job(
            TrainingJobName=job,
            AlgorithmSpecification={"TrainingImage": self.image, "TrainingInputMode": "File"},
            RoleArn=self.role_arn(),
            HyperParameters=HYPERPARAMETERS,
            InputDataConfig=[
                {
                    "ChannelName": "train",
                    "ContentType": "text/csv",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"s3://{self.bucket}/{self.prefix}training/{job}/train/",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
            ],
            OutputDataConfig={"S3OutputPath": f"s3://{self.bucket}/{self.prefix}models/"},
            ResourceConfig={"InstanceType": self.instance_type, "InstanceCount": 1, "VolumeSizeInGB": 5},
            StoppingCondition={"MaxRuntimeInSeconds": self.max_seconds},
        )
        context.log.info(f"SageMaker training job {job} started")
        described = self._wait_for_job(sagemaker, job)
        artifact = described["ModelArtifacts"]["S3ModelArtifacts"]
        return TrainedModel(model_file=self._model_member(s3, artifact), job=job, artifact=artifact)

    def publish(self, context: dg.AssetExecutionContext, version: str, training: dict) -> dict[str, str]:
        self._require_image()
        sagemaker = self.clients.client("sagemaker")
        if not training.get("artifact"):
            raise ValueError(f"version {version} was not trained on SageMaker: it has no model artifact to serve")
        package = sagemaker.create_model_package(
            ModelPackageGroupName=self.name,
            ModelPackageDescription=f"purchase propensity {version}",
            InferenceSpecification={
                "Containers": [{"Image": self.image, "ModelDataUrl": training["artifact"]}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="Approved",
            CustomerMetadataProperties={
                "version": version,
                "roc_auc": str(training["metrics"]["roc_auc"]),
                "training_job": training.get("training_job") or "",
            },
        )["ModelPackageArn"]
        model = f"{self.name}-{version}"
        sagemaker.create_model(
            ModelName=model, PrimaryContainer={"ModelPackageName": package}, ExecutionRoleArn=self.role_arn()
        )
        sagemaker.create_endpoint_config(
            EndpointConfigName=model,
            ProductionVariants=[
                {
                    "VariantName": VARIANT,
                    "ModelName": model,
                    "ServerlessConfig": {
                        "MemorySizeInMB": self.serverless_memory_mb,
                        "MaxConcurrency": self.serverless_max_concurrency,
                    },
                }
            ],
        )
        if self._endpoint(sagemaker) is None:
            sagemaker.create_endpoint(EndpointName=self.name, EndpointConfigName=model)
        else:
            sagemaker.update_endpoint(EndpointName=self.name, EndpointConfigName=model)
        self._wait_for_endpoint(sagemaker)
        context.log.info(f"endpoint {self.name} serves {model} (package {package})")
        return {"model_package": package, "endpoint": self.name, "endpoint_config": model}

    def predict(self, store: PropensityStore, features: pd.DataFrame) -> np.ndarray:
        body = features.to_csv(header=False, index=False)
        response = self.clients.client("sagemaker-runtime").invoke_endpoint(
            EndpointName=self.name, ContentType="text/csv", Accept="text/csv", Body=body.encode()
        )
        return parse_scores(response["Body"].read().decode(), len(features))

    def role_arn(self) -> str:
        """The execution role's ARN (a bare name is completed with the caller's account, at run time)."""
        if self.role.startswith("arn:"):
            return self.role
        identity = self.clients.client("sts").get_caller_identity()
        partition = identity["Arn"].split(":")[1]
        return f"arn:{partition}:iam::{identity['Account']}:role/{self.role}"

    def _require_image(self) -> None:
        """ValueError unless the container image is known."""
        if not self.image:
            raise ValueError(
                f"no built-in XGBoost image known for region {self.clients.region}: set RETAIL_SAGEMAKER_XGBOOST_IMAGE"
            )

    def _wait_for_job(self, sagemaker, job: str) -> dict:
        """The job's description once it finished; SageMakerFailure with its FailureReason unless Completed."""
        for delay in backoff(self.poll_seconds, 60):
            described = sagemaker.describe_training_job(TrainingJobName=job)
            if described["TrainingJobStatus"] in _FINISHED:
                break
            time.sleep(delay)
        if described["TrainingJobStatus"] != "Completed":
            reason = described.get("FailureReason", "no reason given")
            raise SageMakerFailure(f"training job {job} {described['TrainingJobStatus'].lower()}: {reason}")
        return described

    def _endpoint(self, sagemaker) -> dict | None:
        """The endpoint's description, None when there is none yet."""
        try:
            return sagemaker.describe_endpoint(EndpointName=self.name)
        except sagemaker.exceptions.ClientError as error:
            # SageMaker answers a missing endpoint with a ValidationException, not a 404.
            if error.response["Error"]["Code"] == "ValidationException" and "Could not find" in str(error):
                return None
            raise

    def _wait_for_endpoint(self, sagemaker) -> None:
        """Return once the endpoint is InService; SageMakerFailure with its FailureReason if it failed."""
        for delay in backoff(self.poll_seconds, 60):
            described = sagemaker.describe_endpoint(EndpointName=self.name)
            if described["EndpointStatus"] == "InService":
                return
            if described["EndpointStatus"] == "Failed":
                reason = described.get("FailureReason", "no reason given")
                raise SageMakerFailure(f"endpoint {self.name} failed: {reason}")
            time.sleep(delay)

    @staticmethod
    def _model_member(s3, artifact: str) -> bytes:
        """The model file inside the job's model.tar.gz."""
        bucket, _, key = artifact.removeprefix("s3://").partition("/")
        archive = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            member = tar.extractfile(MODEL_MEMBER)
            if member is None:
                raise SageMakerFailure(f"{artifact} holds no {MODEL_MEMBER}")
            return member.read()


def job_name(name: str, data_hash: str) -> str:
    """A training job name (unique per data and second, at most 63 characters, SageMaker's alphabet)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return re.sub(r"[^A-Za-z0-9-]", "-", f"{name[:32]}-{data_hash[:8]}-{stamp}")[:63]


def parse_scores(body: str, rows: int) -> np.ndarray:
    """The container's CSV answer: one probability per row, comma- or newline-separated."""
    values = [float(value) for value in re.split(r"[,\n]", body.strip()) if value]
    if len(values) != rows:
        raise SageMakerFailure(f"the endpoint answered {len(values)} scores for {rows} rows")
    return np.array(values)
