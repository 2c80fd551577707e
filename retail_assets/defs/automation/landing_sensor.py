"""The landing sensor: one run of the whole pipeline per stretch of consecutive business days with new or changed
landing objects (at most 100 days a run)."""

import hashlib
import time

import dagster as dg

from retail_assets.defs.automation.changed_days import DueDay, ScanCursor, scan_step
from retail_assets.defs.automation.jobs import days_run_request, sales_pipeline
from retail_assets.defs.automation.landed_digests import not_yet_landed
from retail_assets.defs.partitions import daily_partitions, stretches
from retail_assets.defs.resources.lake import Lake
from retail_assets.settings import Settings

# Skipped keys logged one by one per tick; the rest are counted (a bucket full of junk must not flood the log).
MAX_SKIPPED_LOGGED = 20
LANDING_OBJECTS_TAG = "retail/landing_objects"
LANDING_DIGEST_TAG = "retail/landing_digest"


def landing_sensor(settings: Settings) -> dg.SensorDefinition:
    """The sensor, with the interval, lookback and per-tick budget of settings."""

    @dg.sensor(
        name="landing_sensor",
        job=sales_pipeline,
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING
        if settings.trigger == "sensor"
        else dg.DefaultSensorStatus.STOPPED,
        description=(
            f"Requests a run of the business days whose objects under sales/<day>/ are new or changed (one run per "
            f"stretch of consecutive days, at most 100 days each): new days "
            f"after the newest seen, changes within the last {settings.sensor_lookback_days} days of it."
        ),
    )
    def _landing_sensor(context: dg.SensorEvaluationContext, lake: Lake) -> dg.SensorResult:
        try:
            cursor = ScanCursor.from_json(context.cursor)
        except ValueError as error:
            # Starting over is safe: a run is never requested twice for the same objects of a day (run_key).
            context.log.warning(f"{error}; starting over from the first landing key")
            cursor = ScanCursor()
        started = time.monotonic()
        step = scan_step(
            lake.list_landing,
            cursor,
            lookback_days=settings.sensor_lookback_days,
            max_keys=settings.sensor_max_keys,
            partitions=partition_bounds(),
        )
        due = not_yet_landed(context.instance, step.due)
        for line in step.skipped[:MAX_SKIPPED_LOGGED]:
            context.log.warning(f"landing key skipped, {line}")
        if len(step.skipped) > MAX_SKIPPED_LOGGED:
            context.log.warning(f"{len(step.skipped) - MAX_SKIPPED_LOGGED} more landing keys skipped")
        progress = "pass complete" if step.pass_complete else f"pass continues after {step.cursor.position}"
        context.log.info(
            f"listed {step.listed} landing keys in {time.monotonic() - started:.2f} s ({progress}); "
            f"days due: {', '.join(day.day for day in due) or 'none'}"
            f" ({len(step.due) - len(due)} more already landed by an earlier run)"
        )
        return dg.SensorResult(
            run_requests=run_requests(due),
            cursor=step.cursor.to_json(),
            skip_reason=None if due else f"no new or changed landing objects in {step.listed} keys listed",
        )

    return _landing_sensor


def run_requests(due: list[DueDay]) -> list[dg.RunRequest]:
    """One run per stretch of consecutive due days (at most 100 days): a bulk upload is a few ranged runs."""
    by_day = {day.day: day for day in due}
    return [run_request([by_day[day] for day in stretch]) for stretch in stretches(list(by_day))]


def run_request(stretch: list[DueDay]) -> dg.RunRequest:
    """A run of consecutive days; the run key makes the same objects of the same days start at most one run."""
    first, last = stretch[0], stretch[-1]
    if first == last:
        digest, run_key = first.digest, f"{first.day}:{first.digest}"
    else:
        # The days' digests folded in order: a changed object of any day of the stretch gives a new key.
        digest = hashlib.sha256("\n".join(f"{day.day}:{day.digest}" for day in stretch).encode()).hexdigest()
        run_key = f"{first.day}...{last.day}:{digest}"
    objects = str(sum(day.objects for day in stretch))
    return days_run_request(first.day, last.day, run_key, {LANDING_OBJECTS_TAG: objects, LANDING_DIGEST_TAG: digest})


def partition_bounds() -> tuple[str, str] | None:
    """The first and last business day with a partition now (the last is yesterday), or None before the start."""
    first, last = daily_partitions.get_first_partition_key(), daily_partitions.get_last_partition_key()
    return (first, last) if first and last else None
