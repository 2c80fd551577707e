"""The sales assets, landing to Aurora."""
