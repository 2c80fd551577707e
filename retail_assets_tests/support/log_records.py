"""A logging handler that keeps what a sensor logged, for tests to read."""

import logging


class CollectRecords(logging.Handler):
    """Keeps the records logged on the sensor's log."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
