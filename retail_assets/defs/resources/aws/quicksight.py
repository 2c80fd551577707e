"""QuickSight on AWS: a SPICE ingestion of each report dataset, waited for, failing with QuickSight's message."""

import time
import uuid

from retail_assets.defs.resources.aws.clients import AwsClients, backoff
from retail_assets.defs.resources.bi import BiService
from retail_assets.defs.resources.pinned import PinnedFields

# DescribeIngestion's IngestionStatus values that end an ingestion.
INGESTION_DONE = ("COMPLETED", "FAILED", "CANCELLED")


class QuickSightIngestionFailed(RuntimeError):
    """A SPICE ingestion ended FAILED or CANCELLED; the message is QuickSight's."""


class QuickSightSpice(PinnedFields, BiService):
    """Full SPICE refreshes of the report datasets provision created."""

    pinned = ("dataset_ids",)

    clients: AwsClients
    dataset_ids: list[str]
    first_poll_seconds: float = 2
    max_poll_seconds: float = 30

    def refresh(self, log) -> dict[str, str | int | float]:
        quicksight = self.clients.client("quicksight")
        account_id = self.clients.client("sts").get_caller_identity()["Account"]
        rows = {}
        for dataset_id in self.dataset_ids:
            ingestion = self._ingest(quicksight, account_id, dataset_id)
            rows[dataset_id] = ingestion.get("RowInfo", {}).get("RowsIngested", 0)
            log.info(f"QuickSight dataset {dataset_id}: SPICE ingestion {ingestion['IngestionId']} completed")
        return {"bi_service": "quicksight", **{f"spice_rows/{dataset}": count for dataset, count in rows.items()}}

    def _ingest(self, quicksight, account_id: str, dataset_id: str) -> dict:
        """Start a full refresh of one dataset and wait for it; raise QuickSight's error when it does not complete."""
        ingestion_id = f"dagster-{uuid.uuid4().hex}"
        quicksight.create_ingestion(
            AwsAccountId=account_id, DataSetId=dataset_id, IngestionId=ingestion_id, IngestionType="FULL_REFRESH"
        )
        delays = backoff(self.first_poll_seconds, self.max_poll_seconds)
        while True:
            ingestion = quicksight.describe_ingestion(
                AwsAccountId=account_id, DataSetId=dataset_id, IngestionId=ingestion_id
            )["Ingestion"]
            if ingestion["IngestionStatus"] in INGESTION_DONE:
                break
            time.sleep(next(delays))
        if ingestion["IngestionStatus"] != "COMPLETED":
            error = ingestion.get("ErrorInfo", {})
            raise QuickSightIngestionFailed(
                f"QuickSight ingestion {ingestion_id} of dataset {dataset_id} {ingestion['IngestionStatus']}: "
                f"{error.get('Type', '')} {error.get('Message', '')}".rstrip()
            )
        return ingestion
