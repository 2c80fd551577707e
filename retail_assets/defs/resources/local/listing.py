"""Local landing objects listed in S3's key order after a given key."""

import os
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path

from glue_scripts.sales_contract import SYMLINK_PROBLEM
from retail_assets.defs.resources.lake import ListedObject


def list_local_landing(root: str | Path, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
    """Files under root whose key starts with prefix and sorts after start_after, in S3's key order.

    The tag is size and modification time in nanoseconds: a rewrite changes at least one of them. Folders whose
    every key sorts before start_after are not read at all, so resuming costs the folder names, not the files.
    A symbolic link, or an entry that cannot be read, is listed with its problem instead of being followed.
    """
    yield from _walk(Path(root), "", prefix, start_after)


def _walk(folder: Path, folder_key: str, prefix: str, start_after: str) -> Iterator[ListedObject]:
    """The files below folder, depth first in key order."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as error:  # one unreadable folder must not stop the listing of the others
        yield ListedObject(key=folder_key, etag="", problem=f"cannot be listed: {error.strerror}")
        return
    # A folder's keys all start with "<name>/", so sorting it by that string puts it where S3 would
    # ("a-b" < "a/x" because "-" < "/"). A link is a leaf, whatever it points to.
    named = sorted(((_entry_name(entry), entry) for entry in entries), key=itemgetter(0))
    for name, entry in named:
        key = folder_key + name
        if name.endswith("/"):
            if not (key.startswith(prefix) or prefix.startswith(key)):
                continue
            if key <= start_after and not start_after.startswith(key):
                continue  # every key below sorts before start_after
            yield from _walk(Path(entry.path), key, prefix, start_after)
        elif key > start_after and key.startswith(prefix):
            yield from _file(entry, key)


def _entry_name(entry: os.DirEntry) -> str:
    """The entry's name, with a '/' after it for a real folder (never for a link to one)."""
    try:
        is_folder = entry.is_dir(follow_symlinks=False)
    except OSError:
        is_folder = False  # listed as a file, whose stat reports the problem
    return entry.name + "/" if is_folder else entry.name


def _file(entry: os.DirEntry, key: str) -> Iterator[ListedObject]:
    """The listed object of one file entry, or its problem."""
    try:
        if entry.is_symlink():
            yield ListedObject(key=key, etag="", problem=SYMLINK_PROBLEM)
            return
        stat = entry.stat(follow_symlinks=False)
    except FileNotFoundError:
        return  # deleted since the folder was read
    except OSError as error:
        yield ListedObject(key=key, etag="", problem=f"cannot be read: {error.strerror}")
        return
    yield ListedObject(key=key, etag=f"{stat.st_size}-{stat.st_mtime_ns}", size=stat.st_size)
