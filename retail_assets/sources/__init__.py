"""Landing sources beyond dropped files: the sales HTTP API, its client, and the generator serving it."""
