"""A request's bytes as they arrive, gathered before any serving thread is spent on them.

Why: a thread that reads a request from a blocking socket is held for as long as the client
takes to send it, so a few clients trickling a request line tie up a worker's threads (and
with fewer threads a process, sooner). The worker (`ops/slow_clients.py`) reads what arrives
on its poller, without blocking, into an :class:`Arrival`, and hands the connection to a
thread only once the request is all there: its head, and a body of the length it declares.
A client that trickles costs a few hundred bytes of memory until the deadline, not a thread.

Only the head's framing is looked at here (where it ends, Content-Length, Transfer-Encoding,
Expect); gunicorn still parses and checks everything. Whatever cannot be known to be complete
from that (a chunked body, a client waiting for "100 Continue", a head or body beyond the
limits, malformed framing) is handed over at once, and the thread reads the rest under the
request deadline as before.
"""

from __future__ import annotations

import re

# Request line and header fields, at most: gunicorn's limits (limit_request_line 4094,
# limit_request_fields 60 of limit_request_field_size 8190) fit well within this.
HEAD_LIMIT = 64 * 1024
# A body up to this is gathered before serving: the app refuses anything above 256 KiB.
BODY_LIMIT = 256 * 1024

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.I | re.M)
# Either of these means the body's end cannot be found from the head alone, or that the
# client sends it only when asked: hand the request over once the head is in.
_HAND_OVER_AT_HEAD = re.compile(rb"^(?:transfer-encoding|expect)[ \t]*:", re.I | re.M)


class Arrival:
    """The bytes of one request so far, and whether a thread may take it now."""

    __slots__ = ("data", "deadline", "ready", "_needed")

    def __init__(self, deadline: float) -> None:
        self.data = bytearray()
        self.deadline = deadline  # monotonic time by which the request must be in
        self.ready = False
        self._needed: int | None = None  # total bytes of head and body, once the head is in

    def add(self, chunk: bytes) -> bool:
        """Take bytes read from the client; True once a thread should take the request."""
        self.data += chunk
        if self._needed is None:
            self._needed = self._size_from_head()
        if self._needed is not None and len(self.data) >= self._needed:
            self.ready = True
        return self.ready

    def _size_from_head(self) -> int | None:
        """Bytes the whole request takes, 0 to hand it over now, None while the head runs on."""
        end = _HEAD_END.search(self.data, 0, HEAD_LIMIT + 4)
        if end is None:
            return 0 if len(self.data) > HEAD_LIMIT else None
        head = bytes(self.data[: end.start()])
        if _HAND_OVER_AT_HEAD.search(head):
            return 0
        lengths = _CONTENT_LENGTH.findall(head)
        if not lengths:
            return end.end()  # no body
        if len(lengths) > 1 or not lengths[0].isdigit() or int(lengths[0]) > BODY_LIMIT:
            return 0  # gunicorn or the app refuses it; nothing to wait for
        return end.end() + int(lengths[0])
