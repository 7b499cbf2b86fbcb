"""Slow clients: connections that trickle a request cannot stall the server (issue 10, point 6).

A real gunicorn with the production settings (reporting/ops/gunicorn_conf.py) serves an
instance on loopback. A bounded slowloris opens three connections per worker and sends a
request head one byte at a time. While every one of them is still open and unanswered,
ordinary reporters must be served; then the server, not the slow client, must end each slow
connection (the request deadline, REPORTING_REQUEST_SECONDS), and no worker may have been
killed and restarted (a restart would also drop the in-memory rate-limit counts).

Under the old sync workers the ordinary requests waited behind the slow ones until gunicorn's
worker timeout killed them (27 s measured), so the first assertion failed.

Timings here are bounds on how long the test may run, never assertions about speed: each slow
client trickles at most ``TRICKLE_BYTES`` bytes, far more than the deadline lets through.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time

import pytest
from servers import HOST, AppServer, request, running

WORKERS = 2
SLOW_PER_WORKER = 3
TRICKLE_EVERY = 0.25  # seconds between a slow client's bytes
TRICKLE_BYTES = 240  # 60 s of trickling: the test's own bound on each slow client
HEAD = b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def _open_slow(port: int) -> socket.socket:
    """A connection that has sent the start of a request head and is still sending it."""
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.sendall(HEAD)
    sock.setblocking(False)
    return sock


def _still_open(sock: socket.socket) -> bool:
    """True while the server has neither answered nor closed this connection."""
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False  # an answer, or the end of the stream


def _trickle_until_cut(sock: socket.socket) -> int:
    """Send one header byte at a time until the server ends the connection; bytes sent."""
    for sent in range(TRICKLE_BYTES):
        try:
            sock.send(b"X")
        except OSError:
            return sent
        time.sleep(TRICKLE_EVERY)  # the attacker's pace, not synchronisation
        if not _still_open(sock):
            return sent + 1
    return TRICKLE_BYTES


def _worker_pids(master: int) -> set[int]:
    """The master's children but the writer process (reporting/writer/), which it also starts."""
    command = ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(master)]
    out = subprocess.run(command, capture_output=True)
    lines = out.stdout.decode().splitlines()
    return {int(line.split()[0]) for line in lines if " writer " not in line + " "}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_trickling_connections_neither_stall_reporters_nor_outlive_the_deadline(
    initialised, tmp_path
):
    server = AppServer(
        initialised, tmp_path / "logs", workers=WORKERS, REQUEST_SECONDS="4", PROXY_FIX_HOPS="0"
    )
    with running(server):
        workers_before = _worker_pids(server.process.pid)
        assert len(workers_before) == WORKERS
        slow = [_open_slow(server.port) for _ in range(WORKERS * SLOW_PER_WORKER)]
        try:
            for s in slow:
                s.send(b"X-")  # each one has begun a header line the server is waiting on
            answers = [
                request(server.port, "GET", "/api/v1/taxonomy", timeout=20).status
                for _ in range(10)
            ]
            assert answers == [200] * 10
            assert all(_still_open(s) for s in slow), "served only once the slow ones were gone"
            sent = [_trickle_until_cut(s) for s in slow]
        finally:
            for s in slow:
                with contextlib.suppress(OSError):
                    s.close()
        assert max(sent) < TRICKLE_BYTES, f"a slow client was never cut off: {sent}"
        assert _worker_pids(server.process.pid) == workers_before, "a worker was restarted"
        assert request(server.port, "GET", "/api/v1/taxonomy").status == 200
        log = server.error_log.read_text("utf-8")
    assert "X-X" not in log and "Content-Type" not in log, "raw request bytes reached the log"


def test_the_request_deadline_is_a_number_of_seconds(monkeypatch):
    from reporting.ops.slow_clients import DEFAULT_REQUEST_SECONDS, request_seconds

    monkeypatch.delenv("REPORTING_REQUEST_SECONDS", raising=False)
    assert request_seconds() == DEFAULT_REQUEST_SECONDS
    monkeypatch.setenv("REPORTING_REQUEST_SECONDS", "2.5")
    assert request_seconds() == 2.5
    for bad in ("0", "-1", "ten", "1e9"):
        monkeypatch.setenv("REPORTING_REQUEST_SECONDS", bad)
        with pytest.raises(SystemExit, match="REPORTING_REQUEST_SECONDS"):
            request_seconds()
