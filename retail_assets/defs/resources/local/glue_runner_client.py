"""The Pipes subprocess of a local Glue job: hands its job, argv and Pipes environment to the warm Glue runner,
relays the job's output, and exits with the job's exit code. Standard library only: it starts in a blink.

usage: python glue_runner_client.py SOCKET JOB [--name value ...]
"""

import json
import os
import socket
import sys

# What a job gets of this environment: the Pipes bootstrap variables, nothing else.
PIPES_ENV_PREFIX = "DAGSTER_PIPES_"


def main() -> int:
    """Send the request, relay the frames, return the exit code (1 if the runner went away first)."""
    socket_path, job, *argv = sys.argv[1:]
    env = {key: value for key, value in os.environ.items() if key.startswith(PIPES_ENV_PREFIX)}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(socket_path)
        connection.sendall(json.dumps({"job": job, "argv": argv, "env": env}).encode() + b"\n")
        # The connection stays open both ways while the job runs: the runner cancels the job when it closes.
        for line in connection.makefile("r", encoding="utf-8"):
            frame = json.loads(line)
            if "exit" in frame:
                return frame["exit"]
            stream = sys.stdout if frame["stream"] == "stdout" else sys.stderr
            stream.write(frame["text"])
            stream.flush()
    print(f"the local Glue runner at {socket_path} went away before {job} ended", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
