"""Store files: a synthetic retailer's daily exports, and real files split by business day for landing."""
