"""Folders and files that only this user may change: checked before use, created without following links."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import sys
from pathlib import Path

log = logging.getLogger(__name__)

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePath(RuntimeError):
    """A path someone else could change: a link, another user's folder, or one that group or others may write."""


def check_private_dir(path: Path, owner_uid: int | None = None) -> None:
    """Refuse path unless it is a real folder owned by owner_uid (default: us) that group and others cannot write."""
    owner_uid = os.geteuid() if owner_uid is None else owner_uid
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{path} is a symbolic link; refusing to follow it (remove it and retry)")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePath(f"{path} is not a folder")
    if info.st_uid != owner_uid:
        raise UnsafePath(
            f"{path} is owned by uid {info.st_uid}, not uid {owner_uid}: someone else may have planted it; "
            "remove it (or choose another RETAIL_HOME) and retry"
        )
    if info.st_mode & 0o022:
        raise UnsafePath(f"{path} is writable by group or others (mode {info.st_mode & 0o777:o}): chmod go-w it")


def private_dir(path: Path, mode: int = 0o700, owner_uid: int | None = None) -> Path:
    """path as a checked private folder, created with mode (and given to owner_uid) when missing."""
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        pass
    else:
        os.chmod(path, mode, follow_symlinks=False)  # mkdir's mode is cut by the umask
        if owner_uid is not None and owner_uid != os.geteuid():
            os.chown(path, owner_uid, -1, follow_symlinks=False)
        # Printed, not only logged: every permission this project sets is visible (stderr keeps stdout for URLs).
        owner = "" if owner_uid is None else f", owner uid {owner_uid}"
        print(f"retail-assets: created {path} (mode {mode:o}{owner})", file=sys.stderr)
    check_private_dir(path, owner_uid)
    return path


def write_new_file(path: Path, text: str, owner: tuple[int, int] | None = None) -> None:
    """Create path, mode 0600, with text; fails if anything (a link included) is already there."""
    fd = os.open(path, _NEW_FILE, 0o600)
    with os.fdopen(fd, "w") as handle:
        if owner is not None:
            os.fchown(handle.fileno(), *owner)
        handle.write(text)


def replace_file(path: Path, text: str) -> None:
    """Write text to path, mode 0600, through a new file renamed over it (a rename replaces a link, never follows it)."""
    staged = path.with_name(f".{path.name}.new")
    staged.unlink(missing_ok=True)
    write_new_file(staged, text)
    os.replace(staged, path)


def read_private_file(path: Path) -> str:
    """The text of a file of ours that only we can read; a link or a file others could change is refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise UnsafePath(f"{path} is a symbolic link; refusing to follow it") from error
        raise
    with os.fdopen(fd) as handle:
        info = os.fstat(handle.fileno())
        if info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise UnsafePath(
                f"{path} must be ours with mode 0600 (owner uid {info.st_uid}, mode {info.st_mode & 0o777:o})"
            )
        return handle.read()


def remove_tree(path: Path) -> None:
    """Delete a folder and what it holds, never through a link (the folder itself or anything in it)."""
    if not os.path.lexists(path):
        return
    if stat.S_ISLNK(os.lstat(path).st_mode):
        raise UnsafePath(f"{path} is a symbolic link; refusing to delete through it")
    # On Linux rmtree works on file descriptors and removes links inside instead of following them.
    assert shutil.rmtree.avoids_symlink_attacks
    shutil.rmtree(path)
    log.info("Removed %s", path)
