"""The workers run under SCHED_BATCH, the writer under the default policy (ops/scheduling.py).

A real gunicorn with the production settings is asked, through /proc, which policy each of
its children has: so the setting is what a deployment gets, not what a function returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import AppServer, running

from reporting.ops import scheduling

BOOT_SECONDS = 30


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the writer process serves SQLite only


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _policies(master: int) -> dict[str, set[int]]:
    """The scheduling policies of the master's worker processes and of its writer."""
    out: dict[str, set[int]] = {"workers": set(), "writer": set()}
    for child in _children(master):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        role = "writer" if b" writer " in cmdline + b" " else "workers"
        out[role].add(os.sched_getscheduler(child))
    return out


def _wait_for_children(master: int, count: int) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while len(_children(master)) < count and time.monotonic() < deadline:
        time.sleep(0.05)  # polling interval for the writer's start
    assert len(_children(master)) >= count


def test_a_batch_process_starts_batch_threads():
    code = (
        "import os, threading\n"
        "from reporting.ops import scheduling\n"
        "assert scheduling.make_batch()\n"
        "seen = []\n"
        "t = threading.Thread(target=lambda: seen.append(os.sched_getscheduler(0)))\n"
        "t.start(); t.join()\n"
        "print(os.sched_getscheduler(0), seen[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(os.SCHED_BATCH)] * 2


def test_the_setting_turns_it_off():
    assert scheduling.wanted({})
    assert scheduling.wanted({"REPORTING_BATCH_WORKERS": "true"})
    for off in ("false", "0", "off", "No"):
        assert not scheduling.wanted({"REPORTING_BATCH_WORKERS": off})


def test_gunicorn_workers_are_batch_and_the_writer_is_not(initialised, tmp_path):
    server = AppServer(initialised, tmp_path / "logs", workers=2)
    with running(server):
        _wait_for_children(server.process.pid, 3)
        policies = _policies(server.process.pid)
    assert policies == {"workers": {os.SCHED_BATCH}, "writer": {os.SCHED_OTHER}}


def test_gunicorn_workers_keep_the_default_when_turned_off(initialised, tmp_path):
    server = AppServer(initialised, tmp_path / "logs", workers=2, BATCH_WORKERS="false")
    with running(server):
        _wait_for_children(server.process.pid, 3)
        policies = _policies(server.process.pid)
    assert policies == {"workers": {os.SCHED_OTHER}, "writer": {os.SCHED_OTHER}}
