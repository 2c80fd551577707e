"""Local alerts: each alert is an error line in the tick log of the sensor that sent it."""

import logging

from retail_assets.defs.resources.alerts import Alert, Alerts


class LogAlerts(Alerts):
    """Local mode: the alert is an error line in the sending sensor's tick log."""

    def send(self, alert: Alert, log: logging.Logger) -> None:
        log.error(alert.text())
