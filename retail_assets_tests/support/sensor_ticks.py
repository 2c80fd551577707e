"""A sensor evaluated tick after tick against an instance, its cursor carried as the daemon carries it."""

import logging

import dagster as dg

from retail_assets_tests.support.log_records import CollectRecords


class SensorTicks:
    """Evaluates one sensor of defs against instance; keeps the ERROR lines its ticks logged (local alerts)."""

    def __init__(self, instance: dg.DagsterInstance, defs: dg.Definitions, sensor: dg.SensorDefinition, resources):
        self.instance, self.defs, self.sensor, self.resources = instance, defs, sensor, resources
        self.cursor: str | None = None
        self.errors: list[str] = []
        self.tick()  # a run-status sensor's first tick only places its cursor after the runs already finished

    def tick(self) -> list[dg.RunRequest]:
        """One tick: the runs it requests."""
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=self.defs, resources=self.resources
        ) as context:
            log = CollectRecords()
            context.log.addHandler(log)
            data = self.sensor.evaluate_tick(context)
        self.errors += [record.getMessage() for record in log.records if record.levelno == logging.ERROR]
        self.cursor = data.cursor
        return list(data.run_requests or [])
