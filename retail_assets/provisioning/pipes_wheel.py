"""The dagster-pipes wheel the Glue jobs install from the lake bucket, rebuilt from this environment's copy."""

import base64
import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from importlib.metadata import distribution

PIPES = "dagster-pipes"
# Installed by pip, not part of the package: a wheel must not carry them.
_INSTALL_ONLY = ("INSTALLER", "REQUESTED", "RECORD", "direct_url.json")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Wheel:
    """A wheel's file name, bytes and SHA-256."""

    filename: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _record_hash(content: bytes) -> str:
    """A file's hash as RECORD writes it."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()


def pipes_wheel() -> Wheel:
    """The installed dagster-pipes as a wheel, byte for byte the same on every machine with the same version."""
    # By hand: pip builds wheels from sources or downloads them, and neither may happen at provision time; this
    # copies the installed files, each checked against the hash pip recorded when it installed them.
    dist = distribution(PIPES)
    name, version = dist.metadata["Name"].replace("-", "_"), dist.version
    dist_info = f"{name}-{version}.dist-info"
    recorded = {row[0]: row[1] for row in csv.reader(io.StringIO(dist.read_text("RECORD")))}
    entries = []
    for path in sorted(recorded):
        if not recorded[path] or path.rsplit("/", 1)[-1] in _INSTALL_ONLY or "__pycache__" in path:
            continue
        content = dist.locate_file(path).read_bytes()
        if _record_hash(content) != recorded[path]:
            raise RuntimeError(f"installed {PIPES} file {path} differs from what pip installed: reinstall it")
        entries.append((path, content))
    record = "".join(f"{path},{_record_hash(content)},{len(content)}\n" for path, content in entries)
    entries.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path, content in entries:
            entry = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    return Wheel(f"{name}-{version}-py3-none-any.whl", buffer.getvalue())
