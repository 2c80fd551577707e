"""Backends behind role-named resources: lake, glue, crawler, athena, warehouse."""
