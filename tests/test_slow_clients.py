"""Slow clients: connections that trickle a request cannot stall the server (issue 10, point 6).

A real gunicorn with the production settings (reporting/ops/gunicorn_conf.py) serves an
instance on loopback. A bounded slowloris opens more connections per worker than a worker has
threads: most send a request head one byte at a time, the rest a whole head and then a body
one byte at a time. While every one of them is still open and unanswered, ordinary reporters
must be served; then the server, not the slow client, must end each slow connection (the
request deadline, REPORTING_REQUEST_SECONDS), and no worker may have been killed and
restarted (a restart would also drop the in-memory rate-limit counts).

Under the old sync workers the ordinary requests waited behind the slow ones until gunicorn's
worker timeout killed them (27 s measured), so the first assertion failed. With threads that
read the request themselves, as many slow clients as a worker has threads stalled it: a
request is now gathered on the worker's poller before any thread takes it
(reporting/ops/arrivals.py).

Timings here are bounds on how long the test may run, never assertions about speed: each slow
client trickles at most ``TRICKLE_BYTES`` bytes, far more than the deadline lets through.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time

import pytest
from servers import HOST, AppServer, request, running

WORKERS = 2
THREADS = 4
SLOW_PER_WORKER = 3 * THREADS  # far more than a worker's threads
SLOW_BODIES = 4  # of them, trickling a body after a whole head
TRICKLE_EVERY = 0.25  # seconds between a slow client's bytes
TRICKLE_BYTES = 240  # 60 s of trickling: the test's own bound on each slow client
HEAD = b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
WHOLE_HEAD = HEAD + b"Content-Length: 4000\r\n\r\n{"


def _open_slow(port: int, head: bytes = HEAD) -> socket.socket:
    """A connection that has sent the start of a request and is still sending it."""
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.sendall(head)
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


def _server(initialised, tmp_path, **settings: str) -> AppServer:
    """The production settings, WORKERS workers of THREADS threads, and ``settings``."""
    return AppServer(
        initialised,
        tmp_path / "logs",
        workers=WORKERS,
        THREADS=str(THREADS),
        PROXY_FIX_HOPS="0",
        **settings,
    )


def _ordinary_answers(port: int) -> list[int]:
    """Ten ordinary requests, one after another: their statuses."""
    return [request(port, "GET", "/api/v1/taxonomy", timeout=20).status for _ in range(10)]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_trickling_connections_neither_stall_reporters_nor_outlive_the_deadline(
    initialised, tmp_path
):
    server = _server(initialised, tmp_path, REQUEST_SECONDS="4")
    with running(server):
        workers_before = _worker_pids(server.process.pid)
        assert len(workers_before) == WORKERS
        count = WORKERS * SLOW_PER_WORKER
        slow = [_open_slow(server.port) for _ in range(count - SLOW_BODIES)]
        slow += [_open_slow(server.port, WHOLE_HEAD) for _ in range(SLOW_BODIES)]
        try:
            for s in slow[: count - SLOW_BODIES]:
                s.send(b"X-")  # each one has begun a header line the server is waiting on
            assert _ordinary_answers(server.port) == [200] * 10
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


def _answered_but_never_closing(port: int) -> socket.socket:
    """A connection that sends a whole request, reads the whole answer and never closes."""
    sock = socket.create_connection((HOST, port), timeout=20)
    sock.sendall(b"GET /api/v1/taxonomy HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return sock


@pytest.mark.parametrize("backend", ["sqlite"])
def test_clients_that_never_close_hold_no_thread(initialised, tmp_path):
    """After the answer the server waits for the client's close (RFC 9112 9.6), here for
    longer than the test's requests may take. That wait is the poller's, not a thread's:
    with it in the threads, clients that read their answers and never close held every
    thread, each for the linger time, and these requests timed out."""
    server = _server(initialised, tmp_path, LINGER_SECONDS="60")
    with running(server):
        idle = [_answered_but_never_closing(server.port) for _ in range(WORKERS * 3 * THREADS)]
        try:
            assert _ordinary_answers(server.port) == [200] * 10
        finally:
            for s in idle:
                s.close()


def test_the_request_deadline_is_a_number_of_seconds(monkeypatch):
    from reporting.ops.slow_clients import DEFAULT_REQUEST_SECONDS, linger_seconds, request_seconds

    monkeypatch.delenv("REPORTING_REQUEST_SECONDS", raising=False)
    assert request_seconds() == DEFAULT_REQUEST_SECONDS
    monkeypatch.setenv("REPORTING_REQUEST_SECONDS", "2.5")
    assert request_seconds() == 2.5
    for bad in ("0", "-1", "ten", "1e9"):
        monkeypatch.setenv("REPORTING_REQUEST_SECONDS", bad)
        with pytest.raises(SystemExit, match="REPORTING_REQUEST_SECONDS"):
            request_seconds()
    monkeypatch.setenv("REPORTING_LINGER_SECONDS", "5")
    assert linger_seconds() == 5
    for bad in ("0", "61", "soon"):
        monkeypatch.setenv("REPORTING_LINGER_SECONDS", bad)
        with pytest.raises(SystemExit, match="REPORTING_LINGER_SECONDS"):
            linger_seconds()
