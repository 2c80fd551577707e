"""The BI role: after the dashboard is rebuilt, refresh the BI service's copy of the reports (QuickSight on AWS)."""

from abc import abstractmethod

import dagster as dg


class BiService(dg.ConfigurableResource):
    """The analysts' BI service beside the HTML dashboard."""

    @abstractmethod
    def refresh(self, log) -> dict[str, str | int | float]:
        """Bring the service's data up to date with the reports and wait for it; metadata of what was done."""
