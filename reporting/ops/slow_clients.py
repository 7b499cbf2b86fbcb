"""A gunicorn worker that slow clients cannot stall: requests gathered first, then threads.

Why: gunicorn's sync worker reads a request from a blocking socket with no deadline, so three
connections that send half a request line hold three workers until gunicorn's worker timeout
kills them (27 s measured), and each restart drops the ``memory://`` rate-limit counts. This
worker is gunicorn's gthread worker (a thread serves each request) with two additions:

- **A request is gathered before a thread takes it.** The worker's poller reads what each new
  connection sends, without blocking, until the whole request is in (`ops/arrivals.py`), so a
  connection trickling its request holds no thread at all, however many there are.
- **A deadline.** From the moment a connection is accepted, the client has
  ``request_seconds`` to deliver its request line, headers and body; past that the server
  closes the connection. What cannot be gathered first (a chunked body, a body beyond 256 KiB)
  is read by the thread under a deadline of the same length from the hand-over, so even then
  a thread is held for a bounded time, never the whole server.

An honest phone on a poor ward Wi-Fi sends a filing (at most MAX_CONTENT_LENGTH, 256 KiB) in
well under the default of 10 s. The reverse proxy in front (docs/operations.md) buffers whole
requests and is the first defence; this worker is what holds when a proxy does not.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

from reporting.ops.arrivals import Arrival

DEFAULT_REQUEST_SECONDS = 10.0
# How long a closing connection waits for the client's own close (RFC 9112 section 9.6).
DEFAULT_LINGER_SECONDS = 1.0
# What it reads from the client meanwhile, at most, before closing anyway (as gunicorn's own).
CLOSE_DRAIN_BYTES = 65536


def request_seconds() -> float:
    """The deadline, from ``REPORTING_REQUEST_SECONDS`` (a positive number of seconds)."""
    return _seconds("REPORTING_REQUEST_SECONDS", DEFAULT_REQUEST_SECONDS, 300)


def linger_seconds() -> float:
    """The wait for a client's close, from ``REPORTING_LINGER_SECONDS`` (as nginx's
    lingering_timeout; the proxy in front closes at once, so the default is short)."""
    return _seconds("REPORTING_LINGER_SECONDS", DEFAULT_LINGER_SECONDS, 60)


def _seconds(name: str, default: float, most: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= most:
        raise SystemExit(f"{name} must be a number of seconds from 0 to {most:g}")
    return value


class DeadlineSocket:
    """A client socket whose reads end at a deadline; everything else is the socket's own.

    Reads first return the bytes gathered before a thread took the connection (``ahead``).
    At the deadline a read returns end-of-stream, which gunicorn and werkzeug already treat as
    a client that went away: no response is owed and nothing is logged above debug level.
    """

    __slots__ = ("_sock", "deadline", "closed", "sent_all", "_ahead")

    def __init__(self, sock, ahead: bytes = b"") -> None:
        self._sock = sock
        self.deadline: float | None = None
        self.closed = False
        self.sent_all = False  # our FIN is sent: the worker's poller waits for the client's
        self._ahead = ahead

    def __getattr__(self, name):
        return getattr(self._sock, name)

    @property
    def raw(self):
        return self._sock

    def finish_sending(self) -> None:
        """Send our FIN at once, with the answer (see the worker's handle)."""
        try:
            self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.close()  # the client is gone: nothing to wait for
        else:
            self.sent_all = True

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
        if self._ahead:
            data, self._ahead = self._ahead[:size], self._ahead[size:]
            return data
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
    """gthread, with requests gathered on the poller first and each request's reading bounded
    by :func:`request_seconds` (see the module's docstring).

    A connection that is done is half-closed in its serving thread, so the server's FIN leaves
    with the answer, as with sync workers, and the short-lived TIME_WAIT sockets stay on the
    server's port instead of using up the clients' ports. Waiting for the client's own close
    (RFC 9112 section 9.6, at most :func:`linger_seconds`) is then the poller's: a client
    that never closes holds no thread, and the poller never blocks on it either.
    """

    def init_process(self) -> None:
        self.request_seconds = request_seconds()
        self.linger_seconds = linger_seconds()
        # Connections whose request is still arriving, and connections waiting for the
        # client's close, each in order of their deadlines (dicts: one that is done leaves
        # at once, wherever it stands).
        self.arriving: dict[TConn, float] = {}
        self.lingering: dict[TConn, float] = {}
        super().init_process()

    # -- a request arriving --

    def accept(self, listener) -> None:
        """Accept a connection and gather its request on the poller (no thread yet)."""
        if self.cfg.is_ssl or self.cfg.http2_cleartext in ("prior-knowledge", "both"):
            return super().accept(listener)  # bytes the TLS or HTTP/2 layer must read itself
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return None
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())  # non-blocking
        deadline = time.monotonic() + self.request_seconds
        conn.arrival = Arrival(deadline)
        self.arriving[conn] = deadline
        self.poller.register(client_sock, selectors.EVENT_READ, partial(self._on_bytes, conn))
        return None

    def _on_bytes(self, conn: TConn, client_sock) -> None:
        chunk = _read_now(client_sock)
        if chunk is None:
            return
        if not chunk:  # the client went away before sending a whole request
            self._end(conn, self.arriving)
        elif conn.arrival.add(chunk):
            self.poller.unregister(client_sock)
            del self.arriving[conn]
            conn.data_ready = True  # no thread waits for bytes that are here already
            conn.sock = DeadlineSocket(client_sock, bytes(conn.arrival.data))
            conn.arrival = None
            self.enqueue_req(conn)

    # -- serving --

    def handle(self, conn):
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock)
        conn.sock.deadline = time.monotonic() + self.request_seconds
        try:
            keep = super().handle(conn)
            if not keep:
                conn.sock.finish_sending()
            return keep
        finally:
            # A kept-alive connection waits on the poller with no deadline; its next
            # request gets a fresh one when it is taken up again.
            conn.sock.deadline = None

    # -- the client's close --

    def finish_request(self, conn, fs) -> None:
        sock = conn.sock
        if not (isinstance(sock, DeadlineSocket) and sock.sent_all and not sock.closed):
            super().finish_request(conn, fs)
            return
        conn.drained = 0
        try:
            sock.setblocking(False)
            self.poller.register(sock.raw, selectors.EVENT_READ, partial(self._on_close, conn))
        except (OSError, ValueError, KeyError):
            self.nr_conns -= 1
            sock.close()
            return
        self.lingering[conn] = time.monotonic() + self.linger_seconds

    def _on_close(self, conn: TConn, raw) -> None:
        """Read (and drop) what the client still sends until it closes, up to a cap."""
        data = _read_now(raw)
        if data is None:
            return
        conn.drained += len(data)
        if not data or conn.drained >= CLOSE_DRAIN_BYTES:
            self._end(conn, self.lingering)

    # -- ends --

    def _end(self, conn: TConn, waiting: dict[TConn, float]) -> None:
        del waiting[conn]
        with contextlib.suppress(OSError, KeyError, ValueError):  # unregistered already
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.sock.close()

    def murder_pending(self) -> None:
        """Also end connections past their deadline, arriving or lingering (each second)."""
        super().murder_pending()
        now = time.monotonic()
        for waiting in (self.arriving, self.lingering):
            while waiting:
                conn, deadline = next(iter(waiting.items()))
                if deadline > now:
                    break
                self._end(conn, waiting)


def _read_now(sock) -> bytes | None:
    """What a readable non-blocking socket holds: None if nothing after all, b"" once the
    client has gone (its close, or an error: either way nothing more will come)."""
    try:
        return sock.recv(65536)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""
