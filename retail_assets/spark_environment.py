"""The environment a local Spark job gets: an allow-list of the process's variables, so no secret reaches it."""

import os
import re
import sys
from collections.abc import Mapping

# What Python, the JVM and Spark need, and Pipes' bootstrap variables; AWS keys, PGPASSWORD, RETAIL_DATABASE_URL
# and the like are left behind.
ALLOWED_NAMES = frozenset({"PATH", "HOME", "XDG_CACHE_HOME", "PYTHONPATH", "JAVA_HOME", "TZ", "LANG", "TMPDIR"})
ALLOWED_PREFIXES = ("SPARK_", "PYSPARK_", "LC_", "DAGSTER_PIPES_")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def allowed_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of environ on the allow-list."""
    return {
        name: value
        for name, value in environ.items()
        if _NAME.match(name) and (name in ALLOWED_NAMES or name.startswith(ALLOWED_PREFIXES))
    }


def launcher_command(command: list[str]) -> list[str]:
    """command, run through this module so that it starts with the allow-listed environment only."""
    # Pipes' subprocess client always adds the whole os.environ to the child's: the filter has to run in the
    # child, which then becomes the command itself (exec keeps its pid, so signals reach the job).
    return [sys.executable, "-m", __name__, *command]


def main(argv: list[str]) -> None:
    """Replace this process by argv with the allow-listed environment."""
    os.execve(argv[0], argv, allowed_environment(os.environ))


if __name__ == "__main__":
    main(sys.argv[1:])
