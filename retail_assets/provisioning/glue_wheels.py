"""The wheels the Glue jobs install from the lake bucket, rebuilt from this environment's installed copies.

Glue 5.0 provides boto3, pyarrow, pandas and requests among others, but not dagster-pipes, PyYAML or pydantic
(AWS Glue docs, "Python modules already provided in AWS Glue"): the jobs install those, and what they require, from
these wheels with pip's --no-index, so no job start ever reaches PyPI.
"""

import base64
import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from importlib.metadata import distribution

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# What the job scripts import that Glue 5.0 does not provide: Pipes, and the source recipe loader (YAML, pydantic).
GLUE_JOB_DISTRIBUTIONS = ("dagster-pipes", "PyYAML", "pydantic")
# Installed by pip, not part of the package: a wheel must not carry them.
_INSTALL_ONLY = ("INSTALLER", "REQUESTED", "RECORD", "direct_url.json")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# A compiled wheel must run on Glue 5.0: CPython 3.11 on x86_64 Amazon Linux 2023 (glibc 2.34).
_GLUE_PYTHON, _GLUE_PLATFORMS = "cp311", ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64")


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


def required_distributions(names: tuple[str, ...] = GLUE_JOB_DISTRIBUTIONS) -> list[str]:
    """The distributions and everything they require (extras aside), by canonical name, sorted."""
    found, pending = set(), list(names)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        found.add(name)
        for text in distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(found)


def glue_job_wheels() -> list[Wheel]:
    """Every wheel the Glue jobs install, in a fixed order."""
    return [installed_wheel(name) for name in required_distributions()]


def installed_wheel(name: str) -> Wheel:
    """An installed distribution as a wheel, byte for byte the same on every machine with the same version."""
    # By hand: pip builds wheels from sources or downloads them, and neither may happen at provision time; this
    # copies the installed files, each checked against the hash pip recorded when it installed them.
    dist = distribution(name)
    recorded = {row[0]: row[1] for row in csv.reader(io.StringIO(dist.read_text("RECORD")))}
    # The .dist-info folder as installed (pyyaml-6.0.4, not PyYAML-6.0.4): a wheel holds exactly one.
    dist_info = next(path.split("/")[0] for path in recorded if path.endswith(".dist-info/METADATA"))
    entries = []
    for path in sorted(recorded):
        if not recorded[path] or path.rsplit("/", 1)[-1] in _INSTALL_ONLY or "__pycache__" in path:
            continue
        content = dist.locate_file(path).read_bytes()
        if _record_hash(content) != recorded[path]:
            raise RuntimeError(f"installed {name} file {path} differs from what pip installed: reinstall it")
        entries.append((path, content))
    record = "".join(f"{path},{_record_hash(content)},{len(content)}\n" for path, content in entries)
    entries.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path, content in entries:
            entry = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    tag = _glue_tag(name, dist.read_text("WHEEL") or "")
    return Wheel(f"{dist_info.removesuffix('.dist-info')}-{tag}.whl", buffer.getvalue())


def _glue_tag(name: str, wheel_metadata: str) -> str:
    """The installed wheel's tag Glue 5.0 accepts (py3-none-any for pure Python); RuntimeError if none is."""
    tags = [line.split(":", 1)[1].strip() for line in wheel_metadata.splitlines() if line.startswith("Tag:")]
    for tag in tags:
        python, abi, platform = tag.split("-")
        if platform == "any" or (python == abi == _GLUE_PYTHON and platform in _GLUE_PLATFORMS):
            return tag
    raise RuntimeError(f"installed {name} is built for {tags}, not for Glue 5.0 (CPython 3.11, manylinux x86_64)")
