"""Run a job of the code location in this process: the pipeline over a range of days as one run, or the reports."""

import os
from dataclasses import dataclass

import dagster as dg

from retail_assets.dagster_private import partition_range_tags
from retail_assets.defs.automation.jobs import sales_pipeline
from retail_assets.settings import Settings, validate_day


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check's result in a run."""

    asset: str
    check: str
    day: str | None
    passed: bool
    severity: str
    description: str | None


@dataclass(frozen=True)
class RunOutcome:
    """What a range run did: success, its id, the checks it evaluated, the steps that failed or never ran."""

    success: bool
    run_id: str
    checks: list[CheckOutcome]
    failed_steps: list[str]
    steps_not_run: list[str]


def use_dagster_home(settings: Settings) -> None:
    """Point DAGSTER_HOME at RETAIL_HOME/dagster unless it is set, so the UI sees the CLI's runs."""
    if not os.environ.get("DAGSTER_HOME"):
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        os.environ["DAGSTER_HOME"] = str(settings.dagster_home)


def materialize_range(
    defs: dg.Definitions,
    start: str,
    end: str,
    instance: dg.DagsterInstance,
    job_name: str = sales_pipeline.name,
    run_id: str | None = None,
) -> RunOutcome:
    """Run a job over start...end (days, or months' first days) as a single ranged run, as a single-run backfill does."""
    tags = partition_range_tags(validate_day(start, "start"), validate_day(end, "end"))
    return run_job(defs, job_name, instance, tags, run_id)


def run_job(
    defs: dg.Definitions,
    job_name: str,
    instance: dg.DagsterInstance,
    tags: dict | None = None,
    run_id: str | None = None,
) -> RunOutcome:
    """Run one of the code location's jobs in this process, with its checks (run_id: to follow it while it runs)."""
    job = defs.resolve_job_def(job_name)
    result = job.execute_in_process(instance=instance, tags=tags or {}, raise_on_error=False, run_id=run_id)
    return RunOutcome(
        success=result.success,
        run_id=result.run_id,
        checks=[_check_outcome(event) for event in result.get_asset_check_evaluations()],
        failed_steps=[event.step_key for event in result.get_step_failure_events()],
        # A step whose blocking check failed is not skipped but never started: compare with the job's steps.
        steps_not_run=sorted(set(job.graph.node_names()) - {e.step_key for e in result.all_events if e.is_step_start}),
    )


def _check_outcome(evaluation: dg.AssetCheckEvaluation) -> CheckOutcome:
    """A check evaluation as plain values."""
    return CheckOutcome(
        asset=evaluation.asset_key.to_user_string(),
        check=evaluation.check_name,
        day=evaluation.partition,
        passed=evaluation.passed,
        severity=evaluation.severity.value,
        description=evaluation.description,
    )
