"""What moto records but never runs for SageMaker, run here: training jobs on local xgboost, endpoint invocations.

As aws_harness does for Glue and Athena: moto stores the job or endpoint as AWS would, then the stand-in does the
container's work with the data staged from moto's S3 (the built-in XGBoost algorithm: a header-less CSV, label
first, in; model.tar.gz holding xgboost-model out) and reports what SageMaker would.
"""

import io
import tarfile
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import xgboost as xgb

from retail_assets_tests.support.aws_harness import Delegate, Stage, split_uri

# The built-in algorithm's hyperparameters that are not xgboost parameters, and the types of those that are.
_NOT_PARAMS = {"num_round"}
_INTEGERS = {"max_depth", "seed", "nthread", "min_child_weight"}
_FLOATS = {"eta", "subsample", "colsample_bytree"}


def container_params(hyperparameters: dict[str, str]) -> tuple[dict, int]:
    """xgboost.train's params and rounds from the job's string hyperparameters, as the container parses them."""
    params = {}
    for name, value in hyperparameters.items():
        if name in _NOT_PARAMS:
            continue
        params[name] = int(value) if name in _INTEGERS else float(value) if name in _FLOATS else value
    return params, int(hyperparameters["num_round"])


def model_archive(model_file: bytes) -> bytes:
    """model.tar.gz with the one member the container writes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(model_file)
        tar.addfile(info, io.BytesIO(model_file))
    return buffer.getvalue()


def archive_member(archive: bytes) -> bytes:
    """The xgboost-model member of model.tar.gz."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return tar.extractfile("xgboost-model").read()


def recorded(operation: str, method: str):
    """A client method that notes its parameters in the backstage, then lets moto answer."""

    def call(self, **params):
        self.backstage.calls.append((operation, params))
        return getattr(self.client, method)(**params)

    return call


class TrainingOnLocalXgboost(Delegate):
    """After moto's CreateTrainingJob, the built-in algorithm's training on the staged channel; deploys recorded."""

    def __init__(self, client, backstage: "SageMakerBackstage"):
        super().__init__(client)
        self.backstage = backstage

    def create_training_job(self, **params):
        self.backstage.calls.append(("CreateTrainingJob", params))
        response = self.client.create_training_job(**params)
        name = params["TrainingJobName"]
        self.backstage.outcomes[name] = self._train(params)
        return response

    def describe_training_job(self, **params):
        response = self.client.describe_training_job(**params)
        response.update(self.backstage.outcomes.get(params["TrainingJobName"], {}))
        return response

    create_model_package = recorded("CreateModelPackage", "create_model_package")
    create_model = recorded("CreateModel", "create_model")
    create_endpoint_config = recorded("CreateEndpointConfig", "create_endpoint_config")
    create_endpoint = recorded("CreateEndpoint", "create_endpoint")

    def update_endpoint(self, **params):
        """moto has no UpdateEndpoint: the endpoint is remade on the new config, where AWS would converge."""
        self.backstage.calls.append(("UpdateEndpoint", params))
        self.client.delete_endpoint(EndpointName=params["EndpointName"])
        self.client.create_endpoint(**params)
        return {"EndpointArn": self.client.describe_endpoint(EndpointName=params["EndpointName"])["EndpointArn"]}

    def describe_endpoint(self, **params):
        response = self.client.describe_endpoint(**params)
        if self.backstage.endpoint_failure:
            response.update({"EndpointStatus": "Failed", "FailureReason": self.backstage.endpoint_failure})
        return response

    def _train(self, params: dict) -> dict:
        """Train as the container does and put model.tar.gz where moto says the artifact is; the job's outcome."""
        if self.backstage.training_failure:
            return {"TrainingJobStatus": "Failed", "FailureReason": self.backstage.training_failure}
        s3 = boto3.client("s3")
        stage = Stage(s3, self.backstage.workdir / params["TrainingJobName"])
        (channel,) = params["InputDataConfig"]
        folder = stage.download(channel["DataSource"]["S3DataSource"]["S3Uri"])
        rows = pd.concat([pd.read_csv(path, header=None) for path in sorted(Path(folder).rglob("*.csv"))])
        matrix = xgb.DMatrix(rows.iloc[:, 1:].to_numpy(), label=rows.iloc[:, 0].to_numpy())
        train_params, rounds = container_params(params["HyperParameters"])
        booster = xgb.train(train_params, matrix, num_boost_round=rounds)
        artifact = self.client.describe_training_job(TrainingJobName=params["TrainingJobName"])["ModelArtifacts"]
        bucket, key = split_uri(artifact["S3ModelArtifacts"])
        s3.put_object(Bucket=bucket, Key=key, Body=model_archive(bytes(booster.save_raw("ubj"))))
        return {"TrainingJobStatus": "Completed"}


class EndpointOnLocalXgboost(Delegate):
    """InvokeEndpoint answered by the model the endpoint serves (endpoint, config, model, package, artifact)."""

    def __init__(self, client, backstage: "SageMakerBackstage"):
        super().__init__(client)
        self.backstage = backstage

    def invoke_endpoint(self, **params):
        self.backstage.calls.append(("InvokeEndpoint", params))
        sagemaker, s3 = boto3.client("sagemaker"), boto3.client("s3")
        config = sagemaker.describe_endpoint(EndpointName=params["EndpointName"])["EndpointConfigName"]
        variant = sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]
        container = sagemaker.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]
        package = sagemaker.describe_model_package(ModelPackageName=container["ModelPackageName"])
        bucket, key = split_uri(package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"])
        booster = xgb.Booster()
        booster.load_model(bytearray(archive_member(s3.get_object(Bucket=bucket, Key=key)["Body"].read())))
        rows = pd.read_csv(io.BytesIO(params["Body"]), header=None).to_numpy()
        scores = booster.predict(xgb.DMatrix(rows))
        body = "\n".join(np.format_float_positional(score) for score in scores) + "\n"
        return {"Body": io.BytesIO(body.encode()), "ContentType": "text/csv", "InvokedProductionVariant": "AllTraffic"}


class SageMakerBackstage:
    """The stand-ins for every SageMaker client the backends make, what they were asked, and failures to report."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.calls: list[tuple[str, dict]] = []
        self.outcomes: dict[str, dict] = {}  # by training job name
        self.training_failure: str | None = None  # a FailureReason the next training jobs end with
        self.endpoint_failure: str | None = None  # a FailureReason the endpoint reports

    def __call__(self, service: str, client):
        if service == "sagemaker":
            return TrainingOnLocalXgboost(client, self)
        if service == "sagemaker-runtime":
            return EndpointOnLocalXgboost(client, self)
        return client

    def requests(self, name: str) -> list[dict]:
        """The parameters of every call of one operation, in order."""
        return [params for operation, params in self.calls if operation == name]
