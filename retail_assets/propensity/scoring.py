"""Scores as the warehouse stores them: one row per customer with its decile (1 = the top tenth)."""

from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from retail_assets.warehouse.propensity_scores import SCORES_SCHEMA


def deciles(customer_ids: pd.Index, scores: np.ndarray) -> np.ndarray:
    """1 for the highest-scored tenth of customers, 10 for the lowest; ties go by customer id."""
    order = pd.DataFrame({"customer_id": customer_ids, "score": scores}).sort_values(
        ["score", "customer_id"], ascending=[False, True], kind="stable"
    )
    ranks = np.empty(len(order), dtype="int16")
    ranks[order.index.to_numpy()] = np.arange(len(order)) * 10 // max(len(order), 1) + 1
    return ranks


def score_table(customer_ids: pd.Index, scores: np.ndarray, version: str, scored_at: datetime) -> pa.Table:
    """The rows of retail.customer_propensity for the customers and their scores."""
    frame = pd.DataFrame(
        {
            "customer_id": customer_ids.astype(str),
            "score": scores.astype("float64"),
            "decile": deciles(customer_ids, scores),
            "model_version": version,
            "scored_at": pd.Timestamp(scored_at),
        }
    )
    return pa.Table.from_pandas(frame, schema=SCORES_SCHEMA, preserve_index=False)
