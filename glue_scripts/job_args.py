"""Where a script runs (AWS Glue or local Spark) and the job arguments it was started with."""

import argparse
import importlib.util
import sys


def on_glue() -> bool:
    """Whether this process runs inside AWS Glue (its awsglue library is importable only there)."""
    return importlib.util.find_spec("awsglue") is not None


def parse_job_args(names: list[str], argv: list[str] | None = None) -> dict[str, str]:
    """The job arguments `--name value`, all required; unknown arguments (Glue's, Pipes') are ignored."""
    argv = sys.argv[1:] if argv is None else argv
    if on_glue():
        from awsglue.utils import getResolvedOptions

        return getResolvedOptions([sys.argv[0], *argv], names)
    # allow_abbrev off: a Glue or Pipes argument must never be taken for a prefix of one of ours.
    parser = argparse.ArgumentParser(allow_abbrev=False)
    for name in names:
        parser.add_argument(f"--{name}", required=True)
    known, _ = parser.parse_known_args(argv)
    return vars(known)
