"""The landing area: synthetic store files, and landing real files split by business day."""
