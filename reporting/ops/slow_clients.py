"""A gunicorn worker that slow clients cannot stall: threads, and a deadline to send a request.

Why: gunicorn's sync worker reads a request from a blocking socket with no deadline, so three
connections that send half a request line hold three workers until gunicorn's worker timeout
kills them (27 s measured), and each restart drops the ``memory://`` rate-limit counts. This
worker is gunicorn's gthread worker (a connection that has sent nothing waits on the poller
without a thread; a thread serves each request being read or answered) with one addition: from
the moment a connection is taken up to be served, the client has ``request_seconds`` to deliver
its request line, headers and body. Past that the server stops reading and closes the
connection, so a trickling client costs a thread for a bounded time, never the whole server.

An honest phone on a poor ward Wi-Fi sends a filing (at most MAX_CONTENT_LENGTH, 256 KiB) in
well under the default of 10 s. The reverse proxy in front (docs/operations.md) buffers whole
requests and is the first defence; this deadline is what holds when a proxy does not.
"""

from __future__ import annotations

import os
import time

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

DEFAULT_REQUEST_SECONDS = 10.0
# How long a closing connection waits for the client's own close (RFC 9112 section 9.6).
CLOSE_LINGER_SECONDS = 1.0


def request_seconds() -> float:
    """The deadline, from ``REPORTING_REQUEST_SECONDS`` (a positive number of seconds)."""
    raw = os.environ.get("REPORTING_REQUEST_SECONDS", "").strip()
    if not raw:
        return DEFAULT_REQUEST_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 300:
        raise SystemExit("REPORTING_REQUEST_SECONDS must be a number of seconds from 0 to 300")
    return value


class DeadlineSocket:
    """A client socket whose reads end at a deadline; everything else is the socket's own.

    At the deadline a read returns end-of-stream, which gunicorn and werkzeug already treat as
    a client that went away: no response is owed and nothing is logged above debug level.
    """

    __slots__ = ("_sock", "deadline", "closed")

    def __init__(self, sock) -> None:
        self._sock = sock
        self.deadline: float | None = None
        self.closed = False

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def close_now(self) -> None:
        """Send our FIN at once and close, in the serving thread (see the worker's handle)."""
        self.closed = True
        util.close_graceful(self._sock, timeout=CLOSE_LINGER_SECONDS)

    def setblocking(self, flag: bool) -> None:
        if not self.closed:
            self._sock.setblocking(flag)

    def shutdown(self, how: int) -> None:
        if self.closed:
            raise OSError("already closed")
        self._sock.shutdown(how)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._sock.close()

    def recv(self, size: int, *flags: int) -> bytes:
        if self.deadline is None:
            return self._sock.recv(size, *flags)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return b""
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            return b""
        finally:
            self._sock.settimeout(None)


class DeadlineThreadWorker(ThreadWorker):
    """gthread, with each request's reading bounded by :func:`request_seconds`.

    A connection that is done is also closed here, in its serving thread, rather than by
    gthread's poller thread afterwards: the server's FIN then leaves with the answer, as with
    sync workers, so the waiting on the client's close (bounded) ties up this thread and not
    the poller every connection of the worker depends on, and the short-lived TIME_WAIT
    sockets stay on the server's port instead of using up the clients' ports.
    """

    def init_process(self) -> None:
        self.request_seconds = request_seconds()
        super().init_process()

    def handle(self, conn):
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock)
        conn.sock.deadline = time.monotonic() + self.request_seconds
        try:
            keep = super().handle(conn)
            if not keep:
                conn.sock.close_now()
            return keep
        finally:
            # A kept-alive connection waits on the poller with no deadline; its next
            # request gets a fresh one when it is taken up again.
            conn.sock.deadline = None
