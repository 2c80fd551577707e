"""The local lake and landing: directory trees under RETAIL_HOME with S3's key layout."""

from collections.abc import Collection, Iterator

import pyarrow.fs as pafs

from retail_assets.defs.resources.lake import Lake, ListedObject
from retail_assets.defs.resources.local.listing import list_local_landing
from retail_assets.defs.resources.pinned import PinnedFields


class LocalLake(PinnedFields, Lake):
    """Landing and lake as directory trees under RETAIL_HOME, with S3's key layout."""

    pinned = ("landing_root", "lake_root")

    landing_root: str
    lake_root: str

    def filesystem(self) -> pafs.FileSystem:
        return pafs.LocalFileSystem()

    def landing_base(self) -> str:
        return self.landing_root.rstrip("/")

    def lake_base(self) -> str:
        return self.lake_root.rstrip("/")

    def list_landing(self, prefix: str, start_after: str = "") -> Iterator[ListedObject]:
        return list_local_landing(self.landing_base(), prefix, start_after)

    def uri(self, path: str) -> str:
        return f"file://{path}"

    def move_folder(self, source: str, target: str) -> int:
        filesystem = self.filesystem()
        if not _is_dir(filesystem, source):
            return 0
        files = self.folder_files(source)
        filesystem.create_dir(target.rsplit("/", 1)[0])
        if not _is_dir(filesystem, target):
            filesystem.move(source, target)  # one rename: the folder is never half moved
            return len(files)
        for path in files:
            moved = target + path[len(source) :]
            filesystem.create_dir(moved.rsplit("/", 1)[0])
            filesystem.move(path, moved)
        filesystem.delete_dir(source)
        return len(files)

    def delete_folder(self, path: str, keep: Collection[str] = ()) -> None:
        filesystem = self.filesystem()
        if not _is_dir(filesystem, path):
            return
        if not keep:
            filesystem.delete_dir(path)
            return
        for file in self.folder_files(path):
            if file not in keep:
                filesystem.delete_file(file)


def _is_dir(filesystem: pafs.FileSystem, path: str) -> bool:
    """Whether path is a folder."""
    return filesystem.get_file_info(path).type == pafs.FileType.Directory
