"""The hashed locks cover pyproject's declared dependencies, so they cannot drift from it unnoticed."""

import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from retail_assets_tests.support.constants import PROJECT_ROOT

ROOT = Path(PROJECT_ROOT)
REQUIREMENTS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


class Pin(NamedTuple):
    """One pin of a lock file."""

    version: Version
    hashes: int
    applies: bool  # its marker holds here (a pin for Windows does not)


def locked(lock: str) -> dict[str, Pin]:
    """Each pin of a lock file: its version, how many hashes it carries, whether it applies here."""
    pins = {}
    entries = re.sub(r"\\\n", " ", (REQUIREMENTS / lock).read_text(encoding="utf-8"))
    for entry in entries.splitlines():
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        requirement = Requirement(entry.split(" --hash=", 1)[0])
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{lock}: {entry} is not pinned"
        applies = requirement.marker is None or requirement.marker.evaluate()
        pins[canonicalize_name(requirement.name)] = Pin(Version(specifier.version), len(HASH.findall(entry)), applies)
    return pins


def closure(requirements: list[Requirement]) -> set[str]:
    """The distributions these requirements install here, read from the installed packages' metadata."""
    installed = {canonicalize_name(dist.metadata["Name"]): dist for dist in metadata.distributions()}
    names, expanded, pending = set(), set(), [(requirement, "") for requirement in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        names.add(name)
        for wanted in ("", *requirement.extras):
            if (name, wanted) in expanded:
                continue
            expanded.add((name, wanted))
            pending += [(Requirement(text), wanted) for text in installed[name].requires or []]
    return names


def declared(requirements: list[str]) -> list[Requirement]:
    """The requirements pyproject names, as packaging parses them."""
    return [Requirement(text) for text in requirements]


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a .in file, without comments."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def assert_covered(requirements: list[Requirement], lock: str) -> None:
    """Every requirement is pinned in the lock, with a hash, at a version its specifier allows."""
    pins = locked(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is declared in pyproject.toml but not in {lock}: run `make lock`"
        version, hashes, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}: {requirement}"
        )
        assert hashes, f"{lock} pins {name} without a hash"


RUNTIME = declared(PYPROJECT["project"]["dependencies"])
TEST_EXTRA = declared(PYPROJECT["project"]["optional-dependencies"]["test"])


@pytest.mark.parametrize("lock", ["runtime.txt", "test.txt"])
def test_the_locks_pin_every_runtime_dependency_with_a_hash(lock):
    assert_covered(RUNTIME, lock)


def test_the_test_extra_is_in_the_test_lock():
    assert_covered(TEST_EXTRA, "test.txt")


def test_the_runtime_lock_holds_what_the_runtime_requires_and_nothing_of_the_test_extra():
    runtime = {name for name, entry in locked("runtime.txt").items() if entry.applies}
    assert runtime == closure(RUNTIME)
    assert {"pytest", "moto", "playwright", "pip-audit"} <= closure(TEST_EXTRA) - runtime


def test_the_test_lock_installs_the_runtime_locks_versions():
    runtime, test = locked("runtime.txt"), locked("test.txt")
    differing = {
        name: (pin[0], test.get(name)) for name, pin in runtime.items() if test.get(name, (None,))[0] != pin[0]
    }
    assert not differing


def test_every_pin_of_every_lock_has_a_hash():
    for lock in ("installers.txt", "runtime.txt", "test.txt", "tools.txt"):
        assert not [name for name, pin in locked(lock).items() if not pin.hashes], lock


def test_the_installers_are_current_enough_to_build_the_project_without_isolation():
    installers = locked("installers.txt")
    assert_covered(declared(PYPROJECT["build-system"]["requires"]), "installers.txt")
    assert_covered(declared(requirement_lines(REQUIREMENTS / "installers.in")), "installers.txt")
    assert locked("runtime.txt")["setuptools"].version == installers["setuptools"].version


def test_the_pyspark_floor_is_3_5_2():
    (pyspark,) = [requirement for requirement in RUNTIME if requirement.name == "pyspark"]
    assert not pyspark.specifier.contains("3.5.1") and pyspark.specifier.contains("3.5.2")
