"""The 08:00 schedule asks for yesterday's business day; a backfill of a range is one run."""

import logging
import os
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
)
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.utils import make_new_backfill_id
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.backfill import execute_backfill_iteration

from retail_assets.definitions import defs
from retail_assets.defs.automation.landing_sensor import landing_sensor
from retail_assets.defs.automation.schedules import daily_schedule
from retail_assets.defs.partitions import daily_partitions
from retail_assets.settings import PROJECT_ROOT, settings_from

# Evaluates the schedule's tick in a process whose business timezone is New York, at 08:00 there.
NEW_YORK_TICK = """
from datetime import datetime
from zoneinfo import ZoneInfo
import dagster as dg
from retail_assets.definitions import defs
schedule = defs.resolve_schedule_def("daily_at_0800")
when = datetime(2024, 3, 11, 8, 0, tzinfo=ZoneInfo("America/New_York"))
data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=when))
print(schedule.cron_schedule, schedule.execution_timezone, [r.partition_key for r in data.run_requests])
"""


def tick_partitions(when: datetime) -> list[str]:
    """The partitions the schedule's tick at when asks for."""
    schedule = defs.resolve_schedule_def("daily_at_0800")
    data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=when))
    return [request.partition_key for request in data.run_requests]


def test_the_0800_tick_requests_the_previous_business_day():
    schedule = defs.resolve_schedule_def("daily_at_0800")
    assert schedule.cron_schedule == "0 8 * * *"
    assert schedule.execution_timezone == daily_partitions.timezone
    assert schedule.job_name == "sales_pipeline"
    zone = ZoneInfo(daily_partitions.timezone)
    assert tick_partitions(datetime(2024, 3, 10, 8, 0, tzinfo=zone)) == ["2024-03-09"]
    assert tick_partitions(datetime(2024, 1, 1, 8, 0, tzinfo=zone)) == ["2023-12-31"]


def test_the_tick_follows_the_business_timezone():
    env = {**os.environ, "RETAIL_ENV": "local", "RETAIL_TIMEZONE": "America/New_York", "RETAIL_HOME": "/nonexistent"}
    result = subprocess.run(
        [sys.executable, "-c", NEW_YORK_TICK], check=False, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, result.stderr
    # 08:00 EDT on the Monday after the DST change is 12:00 UTC: the day before, in New York.
    assert result.stdout.split() == ["0", "8", "*", "*", "*", "America/New_York", "['2024-03-10']"]


def test_the_schedule_is_off_where_the_sensor_is_on():
    for trigger, schedule_status, sensor_status in (
        ("sensor", "STOPPED", "RUNNING"),
        ("schedule", "RUNNING", "STOPPED"),
    ):
        settings = settings_from({"RETAIL_TRIGGER": trigger})
        assert daily_schedule(settings).default_status.value == schedule_status
        assert landing_sensor(settings).default_status.value == sensor_status


def test_a_30_day_backfill_is_one_run():
    """The daemon's own backfill step on the real asset graph, as after *Materialize* over 30 days in the UI.

    The runs it creates are queued, not executed: what is under test is how many runs a range becomes.
    """
    days = [f"2024-04-{day:02d}" for day in range(1, 31)]
    queued = {"run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}}
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name="retail_assets.definitions", working_directory=str(PROJECT_ROOT)),
        location_name="retail_assets",
    )
    with (
        dg.instance_for_test(overrides=queued) as instance,
        create_test_daemon_workspace_context(InProcessWorkspaceLoadTarget(origin), instance) as workspace,
    ):
        graph = workspace.create_request_context().asset_graph
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id=make_new_backfill_id(),
            asset_graph=graph,
            partition_names=days,
            # The daily assets, as the UI offers a range of days for (the propensity group is not partitioned).
            asset_selection=[
                key
                for key in graph.get_all_asset_keys()
                if graph.get(key).is_materializable and graph.get(key).partitions_def
            ],
            backfill_timestamp=time.time(),
            tags={},
            dynamic_partitions_store=instance,
            all_partitions=False,
            title=None,
            description=None,
            run_config=None,
        )
        instance.add_backfill(backfill)
        list(execute_backfill_iteration(workspace, logging.getLogger("test_backfill")))
        runs = instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill.backfill_id}))
    assert len(runs) == 1
    (run,) = runs
    assert (run.tags[ASSET_PARTITION_RANGE_START_TAG], run.tags[ASSET_PARTITION_RANGE_END_TAG]) == (days[0], days[-1])
    assert {key.to_user_string() for key in run.asset_selection} == {
        "raw/sales",
        "cleaned/sales",
        "quarantine/sales",
        "final/daily_sales",
        "aurora/daily_sales",
        # The reports are partitioned by day too (a monthly one rewrites the months of its days): one run still.
        "final/sales_by_day",
        "final/brand_sales_monthly",
        "final/category_sales_monthly",
        "final/store_sales_monthly",
        "final/top_products_monthly",
    }
