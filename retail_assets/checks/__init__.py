"""Asset checks, per partition range."""
