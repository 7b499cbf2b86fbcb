"""Starting and stopping the writer process beside gunicorn's workers (gunicorn_conf).

The master starts ``reporting writer --parent <master pid>`` once it is ready, and stops it
when it exits; the writer also stops by itself if the master dies without saying so.
REPORTING_WRITER=off serves without it (every worker then writes its own rows, as on
PostgreSQL, where the command exits at once).
"""

from __future__ import annotations

import os
import subprocess
import sys

_COMMAND = "from reporting.ops.commands import main; main()"
STOP_SECONDS = 10


def wanted() -> bool:
    setting = os.environ.get("REPORTING_WRITER", "on").strip().lower()
    return setting not in {"off", "0", "false", "no"}


def start() -> subprocess.Popen | None:
    """The writer for the instance the workers serve (same environment), or None."""
    if not wanted():
        return None
    argv = [sys.executable, "-c", _COMMAND, "writer", "--parent", str(os.getpid())]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL)  # noqa: S603 - our own command


def stop(process: subprocess.Popen | None) -> None:
    """Ask the writer to finish its group and go; kill it if it does not within 10 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
