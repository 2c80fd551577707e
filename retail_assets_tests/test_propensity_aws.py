"""Purchase propensity in aws mode against moto: a SageMaker training job (run locally behind it), the gate, the
model package and serverless endpoint, scores in Aurora, predictions through the endpoint, failures surfaced."""

import json

import boto3
import dagster as dg
import numpy as np
import pytest

from retail_assets.defs.assets.propensity import ACCEPTED_MODEL, PROPENSITY_MODEL
from retail_assets.defs.resources.aws.sagemaker import HYPERPARAMETERS
from retail_assets.defs.resources.environments import aws_resources
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.model import predict
from retail_assets.propensity.predictor import Predictor
from retail_assets.propensity.storage import ACCEPTED, CANDIDATE, PropensityStore
from retail_assets.provisioning.account import Account
from retail_assets.provisioning.iam_sagemaker import (
    SAGEMAKER_POLICY,
    runner_sagemaker_statements,
    sagemaker_execution_policy,
)
from retail_assets.provisioning.provision import provision
from retail_assets.settings import (
    SettingsError,
    aws_settings_from,
    get_aws_settings,
    get_settings,
    propensity_settings_from,
)
from retail_assets.warehouse.propensity_scores import stored_scores
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.moto_account import REGION, clients, moto_server, store_aurora_secret
from retail_assets_tests.support.postgres_fixture import separate_database
from retail_assets_tests.support.sagemaker_harness import SageMakerBackstage, archive_member
from retail_assets_tests.support.shopper_history import shopper_history, write_cleaned
from retail_assets_tests.test_propensity_assets import ASSETS, check_passed

PREFIX = "retail-ml"
NAME = f"{PREFIX}-purchase-propensity"
DATABASE = "retail_propensity_aws"
ACCOUNT = "123456789012"  # moto's


@pytest.fixture(scope="module")
def aurora_url(postgres_url):
    """A database of its own for the aws run."""
    with separate_database(postgres_url, DATABASE) as url:
        yield url


@pytest.fixture
def aws(tmp_path, aurora_url):
    """A provisioned moto account named from RETAIL_AWS_PREFIX, its Aurora secret, and the SageMaker stand-ins."""
    with moto_server(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("RETAIL_AWS_PREFIX", PREFIX)
        patch.setenv("RETAIL_TIMEZONE", BUSINESS_TIMEZONE)
        get_aws_settings.cache_clear()
        get_settings.cache_clear()
        settings = get_aws_settings()
        provision(settings, BUSINESS_TIMEZONE, tmp_path / "iam", echo=lambda line: None)
        store_aurora_secret(settings.aurora_secret, aurora_url)
        backstage = SageMakerBackstage(tmp_path / "sagemaker")
        yield backstage, aws_resources(get_settings(), clients=clients(backstage, region=REGION)), tmp_path / "iam"
        get_aws_settings.cache_clear()
        get_settings.cache_clear()


def run(resources: dict, selection=None) -> dg.ExecuteInProcessResult:
    """The propensity assets and checks with the aws resources."""
    return dg.materialize(ASSETS, resources=resources, selection=selection, raise_on_error=False)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The error of the run's failed step, with its causes."""
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    error = failure.step_failure_data.error
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    return " | ".join(messages)


def test_train_on_sagemaker_gate_register_deploy_score_and_ask(aws, aurora_url):
    backstage, resources, iam_dir = aws
    lake = resources["lake"]
    write_cleaned(lake, shopper_history(customers=400, days=240, seed=7))
    first = run(resources)
    assert first.success, failure_message(first)
    assert check_passed(first, "propensity_model_passes_gate")
    assert check_passed(first, "customer_propensity_reconciles")

    # The training job: the built-in image of the region, the execution role, the CSV channel, the seeds.
    (job,) = backstage.requests("CreateTrainingJob")
    assert job["AlgorithmSpecification"] == {
        "TrainingImage": f"141502667606.dkr.ecr.{REGION}.amazonaws.com/sagemaker-xgboost:1.7-1",
        "TrainingInputMode": "File",
    }
    assert job["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-sagemaker"
    assert job["HyperParameters"] == HYPERPARAMETERS and HYPERPARAMETERS["seed"] == "15"
    channel = job["InputDataConfig"][0]
    assert channel["ContentType"] == "text/csv"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == (
        f"s3://{PREFIX}-lake/sagemaker/training/{job['TrainingJobName']}/train/"
    )
    assert job["OutputDataConfig"] == {"S3OutputPath": f"s3://{PREFIX}-lake/sagemaker/models/"}
    assert job["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}

    # What the job wrote is the version's model file; it was judged here and beat the baseline.
    store = PropensityStore(lake)
    version = store.accepted()
    training = store.training(version)
    artifact = training["artifact"]
    bucket, key = artifact.removeprefix("s3://").split("/", 1)
    archive = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert archive_member(archive) == store.model_file(version)
    assert training["training_job"] == job["TrainingJobName"]
    assert training["metrics"]["roc_auc"] > training["baseline_metrics"]["roc_auc"] + 0.02

    # Registered and deployed after the gate: the package holds the artifact, the endpoint is serverless.
    (package,) = backstage.requests("CreateModelPackage")
    assert package["ModelPackageGroupName"] == NAME and package["ModelApprovalStatus"] == "Approved"
    assert package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"] == artifact
    (config,) = backstage.requests("CreateEndpointConfig")
    assert config["EndpointConfigName"] == f"{NAME}-{version}"
    assert config["ProductionVariants"][0]["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    assert [call["EndpointName"] for call in backstage.requests("CreateEndpoint")] == [NAME]
    sagemaker = boto3.client("sagemaker")
    assert sagemaker.describe_endpoint(EndpointName=NAME)["EndpointConfigName"] == f"{NAME}-{version}"

    # Scores in Aurora are the model's, and the endpoint answers what the model file says.
    features = store.read_features()
    table = stored_scores(aurora_url)
    assert [row["customer_id"] for row in table] == sorted(features.index)
    customers = list(features.index[:3])
    answer = Predictor(lake, resources["model_trainer"]).for_customers(customers)
    (invocation,) = backstage.requests("InvokeEndpoint")
    assert (invocation["EndpointName"], invocation["ContentType"]) == (NAME, "text/csv")
    expected = predict(store.model_file(version), features.loc[customers, FEATURES])
    np.testing.assert_allclose([p["score"] for p in answer["predictions"]], expected, atol=1e-6)
    assert json.loads((iam_dir / SAGEMAKER_POLICY).read_text())["Statement"]

    # Labels shuffled: a second job trains, the gate blocks, nothing is registered or deployed.
    write_cleaned(lake, shopper_history(customers=400, days=240, seed=7, shuffled=True))
    blocked = run(resources)
    assert len(backstage.requests("CreateTrainingJob")) == 2
    assert not check_passed(blocked, "propensity_model_passes_gate")
    assert len(backstage.requests("CreateModelPackage")) == 1
    assert backstage.requests("UpdateEndpoint") == []
    assert store.pointer(ACCEPTED) == version != store.pointer(CANDIDATE)

    # A failed training job fails the asset with SageMaker's own reason.
    backstage.training_failure = "AlgorithmError: Training data has invalid values (caused by ValueError)"
    failed = run(resources, selection=[PROPENSITY_MODEL])
    assert not failed.success
    assert "AlgorithmError: Training data has invalid values" in failure_message(failed)
    assert "failed" in failure_message(failed)

    # A new good model whose endpoint update fails: the error is SageMaker's, and the accepted model stays.
    backstage.training_failure = None
    write_cleaned(lake, shopper_history(customers=400, days=240, seed=8))
    backstage.endpoint_failure = "Image size 11 GB is greater than the supported size 10 GB."
    updated = run(resources, selection=[PROPENSITY_MODEL, ACCEPTED_MODEL])
    assert not updated.success
    assert [call["EndpointName"] for call in backstage.requests("UpdateEndpoint")] == [NAME]
    assert "Image size 11 GB is greater than the supported size 10 GB." in failure_message(updated)
    assert store.pointer(ACCEPTED) == version


def test_sagemaker_settings_default_from_the_prefix_and_region():
    aws = aws_settings_from({"RETAIL_AWS_PREFIX": "shop", "AWS_REGION": "us-east-2"})
    assert (aws.sagemaker_role, aws.propensity_name, aws.sagemaker_prefix) == (
        "shop-sagemaker",
        "shop-purchase-propensity",
        "sagemaker/",
    )
    assert aws.xgboost_image == "257758044811.dkr.ecr.us-east-2.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert aws_settings_from({"AWS_REGION": "af-south-1"}).xgboost_image is None
    with pytest.raises(SettingsError, match="RETAIL_SAGEMAKER_SERVERLESS_MEMORY_MB"):
        aws_settings_from({"RETAIL_SAGEMAKER_SERVERLESS_MEMORY_MB": "1500"})
    with pytest.raises(SettingsError, match="RETAIL_SAGEMAKER_XGBOOST_IMAGE"):
        aws_settings_from({"RETAIL_SAGEMAKER_XGBOOST_IMAGE": "evil.example.com/x:1; rm -rf /"})
    with pytest.raises(SettingsError, match="RETAIL_PROPENSITY_MIN_LIFT must be between 0 and 1"):
        propensity_settings_from({"RETAIL_PROPENSITY_MIN_LIFT": "2"})
    assert propensity_settings_from({}).horizon_days == 30


def test_iam_documents_name_only_the_propensity_resources():
    aws = aws_settings_from({"RETAIL_AWS_PREFIX": "shop", "AWS_REGION": REGION, "RETAIL_LAKE_PREFIX": "v1"})
    account = Account(ACCOUNT, "aws", REGION)
    execution = {s["Sid"]: s for s in sagemaker_execution_policy(aws, account)["Statement"]}
    assert execution["ReadTrainingData"]["Resource"] == ["arn:aws:s3:::shop-lake/v1/sagemaker/training/*"]
    assert execution["WriteReadModels"]["Resource"] == ["arn:aws:s3:::shop-lake/v1/sagemaker/models/*"]
    assert execution["PullXgboostImage"]["Resource"] == [
        f"arn:aws:ecr:{REGION}:141502667606:repository/sagemaker-xgboost"
    ]
    # Only the two actions that accept no resource get "*", and metrics are narrowed to SageMaker's namespaces.
    assert sorted(sid for sid, s in execution.items() if s["Resource"] == ["*"]) == ["EcrToken", "SageMakerMetrics"]
    runner = {s["Sid"]: s for s in runner_sagemaker_statements(aws, account)}
    assert runner["TrainingJobs"]["Resource"] == [
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/shop-purchase-propensity-*"
    ]
    assert runner["PassSageMakerRole"] == {
        "Sid": "PassSageMakerRole",
        "Effect": "Allow",
        "Action": ["iam:PassRole"],
        "Resource": [f"arn:aws:iam::{ACCOUNT}:role/shop-sagemaker"],
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    }
    assert runner["PropensityLake"]["Resource"] == [
        "arn:aws:s3:::shop-lake/v1/models/purchase_propensity/*",
        "arn:aws:s3:::shop-lake/v1/features/customer_features/*",
    ]
    assert all(arn != "*" for s in runner.values() for arn in s["Resource"])
