"""One progress line per step of a run, read from the instance's event log while the run executes."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
}
POLL_SECONDS = 0.5


def step_label(step_key: str, check_names: frozenset[str] = frozenset()) -> str:
    """A step key as people read it: raw__sales -> raw/sales, raw__sales_rows_usual -> raw/sales: rows_usual."""
    # The longest name first: aurora_daily_sales_model must not be read as daily_sales_model.
    for name in sorted(check_names, key=len, reverse=True):
        if step_key.endswith(f"_{name}"):
            return f"{step_key[: -len(name) - 1].replace('__', '/')}: {name}"
    return step_key.replace("__", "/")


def progress_bar(console: Console) -> Progress:
    """The progress display every command uses: spinner, text, elapsed time."""
    return Progress(
        SpinnerColumn(finished_text=""), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    )


@contextmanager
def step_lines(
    progress: Progress, instance: dg.DagsterInstance, run_id: str, check_names: frozenset[str]
) -> Iterator[None]:
    """While the body runs, follow run_id's step events and keep one line per step up to date."""
    tasks: dict[str, TaskID] = {}
    done = threading.Event()

    def update() -> None:
        for entry in instance.all_logs(run_id, of_type=STEP_EVENTS):
            event = entry.dagster_event
            key = event.step_key
            if key not in tasks:
                tasks[key] = progress.add_task(f"  {step_label(key, check_names)}", total=1)
            if event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                progress.update(tasks[key], description=f"[green]✓[/] {step_label(key, check_names)}", completed=1)
            elif event.event_type in (dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_SKIPPED):
                progress.update(tasks[key], description=f"[red]✗[/] {step_label(key, check_names)}", completed=1)

    def follow() -> None:
        while not done.wait(POLL_SECONDS):
            update()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    try:
        yield
    finally:
        done.set()
        follower.join()
        update()
