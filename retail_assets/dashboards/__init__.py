"""The sales dashboard: its figures read from PostgreSQL, its Vega-Lite charts, the HTML page and the PNGs."""
