"""The deadline on aurora/daily_sales: Dagster's freshness daemon evaluates the policy, a miss alerts once over SNS."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import InProcessTestWorkspaceLoadTarget, freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._daemon.freshness import FreshnessDaemon
from moto import mock_aws

from retail_assets.dagster_private import FreshnessState
from retail_assets.defs.assets.aurora import AURORA_DAILY_SALES
from retail_assets.defs.automation.deadline_sensor import deadline_sensor
from retail_assets.defs.resources.aws.alerts import SnsAlerts
from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.settings import PROJECT_ROOT, SettingsError, settings_from
from retail_assets_tests.support.sns_inbox import sns_inbox

REGION = "eu-west-1"


def at(text: str) -> datetime:
    """A UTC time from 'YYYY-MM-DD HH:MM' (the business zone of these tests is UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@contextmanager
def project_workspace(instance: dg.DagsterInstance) -> Iterator[WorkspaceProcessContext]:
    """The project's code location loaded in this process, as the daemon sees it."""
    origin = LoadableTargetOrigin(module_name="retail_assets.definitions", working_directory=str(PROJECT_ROOT))
    with WorkspaceProcessContext(
        instance, InProcessTestWorkspaceLoadTarget(InProcessCodeLocationOrigin(origin))
    ) as workspace:
        yield workspace


class Deadline:
    """Dagster's freshness daemon and the alert sensor, run at chosen times against one instance."""

    def __init__(self, instance: dg.DagsterInstance, workspace: WorkspaceProcessContext, alerts: SnsAlerts):
        self.instance, self.workspace, self.alerts = instance, workspace, alerts
        self.sensor = deadline_sensor(settings_from({}))
        self.cursor: str | None = None

    def load(self, when: str, day: str) -> None:
        """aurora/daily_sales materialized for day at when."""
        with freeze_time(at(when)):
            self.instance.report_runless_asset_event(dg.AssetMaterialization(AURORA_DAILY_SALES, partition=day))

    def evaluate(self, when: str) -> tuple[FreshnessState, str | None]:
        """One freshness daemon iteration and one sensor tick at when: the recorded state and the skip message."""
        with freeze_time(at(when)):
            list(FreshnessDaemon().run_iteration(self.workspace))
            record = self.instance.get_freshness_state_records([AURORA_DAILY_SALES])[AURORA_DAILY_SALES]
            with dg.build_sensor_context(
                instance=self.instance, cursor=self.cursor, resources={"alerts": self.alerts}
            ) as context:
                data = self.sensor.evaluate_tick(context)
        self.cursor = data.cursor or self.cursor
        return record.freshness_state, data.skip_message


@pytest.fixture
def alerts_and_inbox():
    """SNS alerts on a topic in moto, and the reader of what the topic received."""
    with mock_aws():
        aws = AwsClients(region=REGION)
        with sns_inbox(aws, "retail-alerts") as received:
            yield SnsAlerts(clients=aws, topic="retail-alerts"), received


def test_the_policy_is_on_the_table_analysts_read():
    from retail_assets.definitions import defs

    policy = defs.resolve_assets_def(AURORA_DAILY_SALES).specs_by_key[AURORA_DAILY_SALES].freshness_policy
    assert policy == dg.FreshnessPolicy.cron(
        deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=9), timezone="UTC"
    )


def test_a_day_loaded_in_time_passes_and_a_missed_deadline_alerts_once(alerts_and_inbox):
    alerts, received = alerts_and_inbox
    with dg.instance_for_test() as instance, project_workspace(instance) as workspace:
        deadline = Deadline(instance, workspace, alerts)
        deadline.load("2024-03-11 08:30", "2024-03-10")  # yesterday, before 09:00
        assert deadline.evaluate("2024-03-11 09:05") == (FreshnessState.PASS, "aurora/daily_sales freshness is PASS")
        assert received() == []
        # 2024-03-11 is not loaded by 09:00 on the 12th: the daemon marks the table failing, one alert goes out.
        state, skipped = deadline.evaluate("2024-03-12 09:05")
        assert (state, skipped) == (FreshnessState.FAIL, "deadline missed at 2024-03-12T09:05:00+00:00: alert sent")
        (message,) = received()
        assert (
            message["Subject"]
            == "Deadline missed: aurora/daily_sales not updated by yesterday's business day by 09:00 UTC"
        )
        assert "Last updated: 2024-03-11T08:30:00+00:00 (business day 2024-03-10, run none)" in message["Message"]
        # Still failing at the next ticks: no second alert.
        assert deadline.evaluate("2024-03-12 09:06") == (
            FreshnessState.FAIL,
            "the deadline missed at 2024-03-12T09:05:00+00:00 has been alerted",
        )
        assert deadline.evaluate("2024-03-12 09:30")[0] == FreshnessState.FAIL
        assert received() == []
        # Loaded late, the table passes again; the next day's miss is a new alert.
        deadline.load("2024-03-12 10:00", "2024-03-11")
        assert deadline.evaluate("2024-03-12 10:01")[0] == FreshnessState.PASS
        assert deadline.evaluate("2024-03-13 09:01")[0] == FreshnessState.FAIL
        assert len(received()) == 1


@pytest.mark.parametrize("value", ["9:00", "24:00", "00:00", "09:60", "nine"])
def test_the_deadline_setting_is_checked(value):
    with pytest.raises(SettingsError, match="RETAIL_DAILY_SALES_DEADLINE"):
        settings_from({"RETAIL_DAILY_SALES_DEADLINE": value})
