"""QuickSight: the Athena data source, the report datasets and the sales dashboard, each shared with one principal."""

from collections.abc import Callable
from dataclasses import dataclass

from retail_assets.provisioning.account import Account
from retail_assets.provisioning.changes import Changes, found
from retail_assets.provisioning.quicksight_definitions import (
    DASHBOARD_ACTIONS,
    DATA_SOURCE_ACTIONS,
    DATASET_ACTIONS,
    dashboard_definition,
    data_source_definition,
    dataset_definition,
    permissions,
    quicksight_reports,
)
from retail_assets.settings import AwsSettings

MISSING = "ResourceNotFoundException"


@dataclass(frozen=True)
class QuickSightResource:
    """One resource provision keeps: how to read, create and update it and its permissions."""

    kind: str
    name: str
    desired: dict
    describe: Callable[[], dict]
    create: Callable[[list[dict]], object]  # given the principal's permissions
    update: Callable[[], object]
    describe_permissions: Callable[[], list[dict]]
    grant: Callable[[list[dict]], object]
    actions: list[str]


def contains(current, desired) -> bool:
    """Whether current holds everything desired sets (QuickSight answers with defaults and read-only fields added)."""
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(contains(current.get(key), value) for key, value in desired.items())
    if isinstance(desired, list):
        return (
            isinstance(current, list)
            and len(current) == len(desired)
            and all(contains(have, want) for have, want in zip(current, desired))
        )
    return current == desired


def compared(current: dict, desired: dict) -> dict:
    """current's fields of desired, each replaced by the desired value when it already holds it."""
    return {
        field: value if contains(current.get(field), value) else current.get(field) for field, value in desired.items()
    }


def granted(entries: list[dict], principal: str) -> list[str]:
    """The actions a permission list grants the principal."""
    return sorted(action for entry in entries if entry["Principal"] == principal for action in entry["Actions"])


def ensure_quicksight(changes: Changes, aws: AwsSettings, account: Account) -> None:
    """Every QuickSight resource, when a principal is configured (QuickSight needs a subscription: it is opt-in)."""
    if not aws.quicksight_principal:
        return
    quicksight = account.client("quicksight")
    resources = [
        data_source(aws, account, quicksight),
        *(dataset(aws, account, quicksight, report) for report in quicksight_reports()),
        dashboard(aws, account, quicksight),
    ]
    for resource in resources:
        ensure_resource(changes, resource, aws.quicksight_principal)


def ensure_resource(changes: Changes, resource: QuickSightResource, principal: str) -> None:
    """Create the resource with the principal's permissions, or update what differs and grant what it lacks."""
    current = found(resource.describe, MISSING)
    changes.ensure(
        resource.kind,
        resource.name,
        None if current is None else compared(current, resource.desired),
        resource.desired,
        lambda: resource.create(permissions(principal, resource.actions)),
        lambda fields: resource.update(),
    )
    if current is not None:
        changes.ensure(
            f"{resource.kind} permissions",
            resource.name,
            {"Actions": granted(resource.describe_permissions(), principal)},
            {"Actions": resource.actions},
            lambda: None,  # the resource exists: its permissions are only ever updated
            # Granting adds the principal's actions; what others were granted stays.
            lambda fields: resource.grant(permissions(principal, resource.actions)),
        )


def data_source(aws: AwsSettings, account: Account, quicksight) -> QuickSightResource:
    """The Athena data source over the pipeline's workgroup."""
    ids = {"AwsAccountId": account.id, "DataSourceId": aws.quicksight_data_source}
    desired = data_source_definition(aws)
    return QuickSightResource(
        "quicksight data source",
        aws.quicksight_data_source,
        desired,
        lambda: quicksight.describe_data_source(**ids)["DataSource"],
        lambda grant: quicksight.create_data_source(**ids, **desired, Permissions=grant),
        lambda: quicksight.update_data_source(
            **ids, Name=desired["Name"], DataSourceParameters=desired["DataSourceParameters"]
        ),
        lambda: quicksight.describe_data_source_permissions(**ids)["Permissions"],
        lambda grant: quicksight.update_data_source_permissions(**ids, GrantPermissions=grant),
        DATA_SOURCE_ACTIONS,
    )


def dataset(aws: AwsSettings, account: Account, quicksight, report) -> QuickSightResource:
    """A SPICE dataset over one report table in the final database."""
    ids = {"AwsAccountId": account.id, "DataSetId": aws.quicksight_dataset(report.table)}
    desired = dataset_definition(aws, account, report)
    return QuickSightResource(
        "quicksight dataset",
        ids["DataSetId"],
        desired,
        lambda: quicksight.describe_data_set(**ids)["DataSet"],
        lambda grant: quicksight.create_data_set(**ids, **desired, Permissions=grant),
        lambda: quicksight.update_data_set(**ids, **desired),
        lambda: quicksight.describe_data_set_permissions(**ids)["Permissions"],
        lambda grant: quicksight.update_data_set_permissions(**ids, GrantPermissions=grant),
        DATASET_ACTIONS,
    )


def dashboard(aws: AwsSettings, account: Account, quicksight) -> QuickSightResource:
    """The dashboard, defined in code, published at its latest version."""
    ids = {"AwsAccountId": account.id, "DashboardId": aws.quicksight_dashboard}
    desired = dashboard_definition(aws, account)

    def update() -> None:
        version_arn = quicksight.update_dashboard(**ids, **desired)["VersionArn"]
        # An update makes a new version; the dashboard shows the published one.
        quicksight.update_dashboard_published_version(**ids, VersionNumber=int(version_arn.rsplit("/", 1)[1]))

    return QuickSightResource(
        "quicksight dashboard",
        aws.quicksight_dashboard,
        desired,
        lambda: quicksight.describe_dashboard_definition(**ids),
        lambda grant: quicksight.create_dashboard(**ids, **desired, Permissions=grant),
        update,
        lambda: quicksight.describe_dashboard_permissions(**ids)["Permissions"],
        lambda grant: quicksight.update_dashboard_permissions(**ids, GrantPermissions=grant),
        DASHBOARD_ACTIONS,
    )
