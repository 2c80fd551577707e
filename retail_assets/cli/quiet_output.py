"""Everything the run prints (Dagster's event log, Spark's console, warnings) into a log file; a console for people.

The redirection is of the process's file descriptors 1 and 2, not of sys.stdout: Spark's JVM and the Glue script
subprocesses inherit them, and Dagster's console logger holds the stderr it found at start-up.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from rich.console import Console


def log_file_path(home: Path, command: str) -> Path:
    """A fresh log file under RETAIL_HOME/logs for one command."""
    folder = home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{command}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log"


@contextmanager
def quiet_output(log_path: Path, verbose: bool) -> Iterator[Console]:
    """A console on the terminal; unless verbose, all other output of the process goes to log_path meanwhile."""
    if verbose:
        yield Console(highlight=False, soft_wrap=True)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved[0]), "w", buffering=1)
    try:
        with open(log_path, "ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                # soft_wrap: a summary table wider than the terminal is not broken into lines.
                yield Console(file=terminal, highlight=False, soft_wrap=True, force_terminal=terminal.isatty())
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        terminal.close()
        for descriptor in saved:
            os.close(descriptor)
