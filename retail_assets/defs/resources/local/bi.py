"""The local BI: the HTML dashboard is all there is on one machine, so there is nothing more to refresh."""

from retail_assets.defs.resources.bi import BiService


class HtmlOnlyBi(BiService):
    """No BI service besides the HTML dashboard (QuickSight exists on AWS only)."""

    def refresh(self, log) -> dict[str, str | int | float]:
        return {"bi_service": "none (local: the HTML dashboard)"}
