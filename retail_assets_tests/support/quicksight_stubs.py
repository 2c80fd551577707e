"""A QuickSight client of which moto answers what it implements and botocore's Stubber the rest, calls recorded."""

import boto3
from botocore.stub import Stubber

# moto 5 implements CreateDataSource, DescribeDataSource, UpdateDataSource, CreateDataSet, CreateDashboard,
# DescribeDashboard and CreateIngestion; these QuickSight calls it does not, so the Stubber answers them.
STUBBED = frozenset(
    {
        "describe_data_source_permissions",
        "update_data_source_permissions",
        "describe_data_set",
        "update_data_set",
        "describe_data_set_permissions",
        "update_data_set_permissions",
        "describe_dashboard_definition",
        "update_dashboard",
        "update_dashboard_published_version",
        "describe_dashboard_permissions",
        "update_dashboard_permissions",
        "describe_ingestion",
    }
)


class MotoAndStubber:
    """moto's QuickSight behind the calls it implements, a Stubber (parameters validated) behind the others."""

    def __init__(self, region: str):
        self.moto = boto3.client("quicksight", region_name=region)
        self.stubbed = boto3.client("quicksight", region_name=region)
        self.stubber = Stubber(self.stubbed)
        self.stubber.activate()
        self.calls: list[tuple[str, dict]] = []
        for client in (self.moto, self.stubbed):
            client.meta.events.register("before-parameter-build", self._record)

    def _record(self, model, params, **_):
        self.calls.append((model.name, dict(params)))

    def __getattr__(self, name: str):
        return getattr(self.stubbed if name in STUBBED else self.moto, name)

    def params(self, operation: str) -> list[dict]:
        """The parameters of every call of an operation (by its API name, e.g. CreateDataSet), in order."""
        return [params for name, params in self.calls if name == operation]

    def not_found(self, method: str) -> None:
        """Queue QuickSight's answer for a resource that does not exist."""
        self.stubber.add_client_error(method, service_error_code="ResourceNotFoundException", http_status_code=404)
