"""Dagster Pipes for the scripts: the context they report through, and the metadata values they send."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from dagster_pipes import (
    DAGSTER_PIPES_CONTEXT_CLI_ARGUMENT,
    PipesCliArgsParamsLoader,
    PipesContext,
    PipesS3ContextLoader,
    PipesS3MessageWriter,
    open_dagster_pipes,
)


@contextmanager
def open_pipes() -> Iterator[PipesContext]:
    """The Dagster Pipes context: S3 and CLI arguments under PipesGlueClient, environment variables otherwise."""
    if DAGSTER_PIPES_CONTEXT_CLI_ARGUMENT in sys.argv:
        import boto3

        s3 = boto3.client("s3")
        pipes = open_dagster_pipes(
            context_loader=PipesS3ContextLoader(client=s3),
            message_writer=PipesS3MessageWriter(client=s3),
            params_loader=PipesCliArgsParamsLoader(),
        )
    else:
        pipes = open_dagster_pipes()
    with pipes:
        yield pipes


def json_metadata(value) -> dict:
    """A Pipes metadata value shown as JSON in Dagster."""
    return {"raw_value": value, "type": "json"}


def path_metadata(uri: str) -> dict:
    """A Pipes metadata value shown as a path in Dagster."""
    return {"raw_value": uri, "type": "path"}
