"""Local landing objects listed in S3's key order after a given key."""

import os
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path

from retail_assets.defs.resources.lake import ListedObject


def list_local_landing(root: str | Path, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
    """Files under root whose key starts with prefix and sorts after start_after, in S3's key order.

    The tag is size and modification time in nanoseconds: a rewrite changes at least one of them. Folders whose
    every key sorts before start_after are not read at all, so resuming costs the folder names, not the files.
    """
    yield from _walk(Path(root), "", prefix, start_after)


def _walk(folder: Path, folder_key: str, prefix: str, start_after: str) -> Iterator[ListedObject]:
    """The files below folder, depth first in key order."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    # A folder's keys all start with "<name>/", so sorting it by that string puts it where S3 would
    # ("a-b" < "a/x" because "-" < "/").
    named = sorted(
        ((entry.name + "/" if entry.is_dir() else entry.name, entry) for entry in entries), key=itemgetter(0)
    )
    for name, entry in named:
        key = folder_key + name
        if name.endswith("/"):
            if not (key.startswith(prefix) or prefix.startswith(key)):
                continue
            if key <= start_after and not start_after.startswith(key):
                continue  # every key below sorts before start_after
            yield from _walk(Path(entry.path), key, prefix, start_after)
        elif key > start_after and key.startswith(prefix):
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue  # deleted since the folder was read
            yield ListedObject(key=key, etag=f"{stat.st_size}-{stat.st_mtime_ns}")
