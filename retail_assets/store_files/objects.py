"""Writing landing objects: the one place that knows the landing root is a local directory."""

import os
import shutil
import tempfile
from pathlib import Path


def _publish(landing_root: Path, key: str, write) -> None:
    """Write an object through a temp file next to it, then rename: readers never see half an object."""
    target = landing_root / key
    target.parent.mkdir(parents=True, exist_ok=True)
    # Hidden name with a non-data suffix, so a listing that races the rename ignores it.
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide landed objects from other local users
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_object(landing_root: Path, key: str, data: bytes) -> None:
    """Store data as the object key under landing_root, replacing any earlier version atomically."""
    _publish(landing_root, key, lambda stream: stream.write(data))


def publish_file(landing_root: Path, key: str, source: Path) -> None:
    """Store the content of a local file as the object key, streaming it (for objects too big for memory)."""

    def copy(stream) -> None:
        with source.open("rb") as origin:
            shutil.copyfileobj(origin, stream)

    _publish(landing_root, key, copy)
