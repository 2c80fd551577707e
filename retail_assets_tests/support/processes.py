"""Watching a process tree from a test: its living descendants, whether a pid lives, waiting for a condition."""

import time
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """Every living process below pid."""
    found, queue = set(), [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    queue.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether pid is a living process (a zombie counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition, seconds: float) -> bool:
    """Poll condition until it holds or seconds pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
