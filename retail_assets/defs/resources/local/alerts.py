"""Local alerts: a failed run becomes an error line in the failure sensor's tick log."""

import logging

from retail_assets.defs.resources.alerts import Alerts, RunFailureAlert


class LogAlerts(Alerts):
    """Local mode: the alert is an error line in the failure sensor's tick log."""

    def send(self, alert: RunFailureAlert, log: logging.Logger) -> None:
        log.error(alert.text())
