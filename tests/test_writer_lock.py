"""Reporters' writes on SQLite take turns through a blocking lock shared by every process
(write_traces.one_writer), so under load a filing waits in the kernel for the one before
it instead of polling SQLite's lock with growing sleeps (the pipeline's p99 fell from
about 850 ms to about 260 ms in `make bench`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest
from review_support import file_report

from reporting.db import database
from reporting.models import Report

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
fcntl.flock(fd, fcntl.LOCK_UN)
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_filing_waits_for_a_writer_in_another_process(backend, app, client):
    file_report(client, narrative="First, so the lock file exists.")
    with app.app_context():
        path = database.obj.database + "-writer"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        done = threading.Event()
        receipts: list[str] = []

        def second() -> None:
            receipts.append(file_report(client, narrative="Filed while another writer held."))
            done.set()

        thread = threading.Thread(target=second)
        thread.start()
        assert not done.wait(0.5), "the filing must wait while another process writes"
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert done.wait(10), "the filing goes ahead once the other writer is done"
        thread.join(10)
    finally:
        holder.kill()
        holder.wait(5)
    with app.app_context(), database.connection_context():
        assert Report.select().count() == 2
    assert receipts
