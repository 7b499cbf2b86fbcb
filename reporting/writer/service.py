"""The writer process's loop: take every request waiting, store them in one transaction,
answer each, and checkpoint the log when a burst ends.

Single-threaded on purpose (see the package docstring): it never competes for the
interpreter, so its transaction holds the writers' lock for the time SQLite needs. Requests
that arrive while a group commits wait in their sockets and form the next group, as
group_commit's do inside one process; a failing row is retried alone and fails alone.
Other writers (staff, a reporter's reply, the CLI) keep taking the same lock
(write_traces.one_writer), so they and the writer still take turns.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import selectors
import socket
import threading
import time

from peewee import IntegrityError

from reporting.db import database
from reporting.group_commit import Write, commit_group
from reporting.models.prepared import insert_with
from reporting.write_traces import GROUP_SECONDS, reporter_write
from reporting.writer import protocol

log = logging.getLogger(__name__)

# A burst of writes ends (and the log is checkpointed) when no request came for this long.
QUIET_SECONDS = 0.01
# How long the loop waits for a request between bursts before checking its parent is alive.
IDLE_SECONDS = 0.5


class WriterRunning(RuntimeError):
    """Another writer already answers on this socket."""


def listen(path: str) -> socket.socket:
    """The listening socket at ``path``, private to this user; a stale file is replaced."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by a writer that did not stop cleanly
    else:
        raise WriterRunning(f"a writer already listens on {path}")
    finally:
        probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(previous)
    os.chmod(path, 0o600)
    listener.listen(256)
    listener.setblocking(False)
    return listener


class _Burst:
    """A reporter_write held open across groups, and closed (so the log is checkpointed
    and the files' times put back) once no request has come for QUIET_SECONDS, or when it
    is GROUP_SECONDS old. The log so holds at most the writes of the last quarter of a
    second, as with writes in the workers, but under load the checkpoint's fsync is paid
    a few times a second instead of once for every two or three filings."""

    def __init__(self) -> None:
        self.stack: contextlib.ExitStack | None = None
        self.began = 0.0
        self.last = 0.0  # when the last group was written
        self.closed = 0  # bursts ended, each with a checkpoint

    def wrote(self) -> None:
        now = time.monotonic()
        if self.stack is None:
            self.stack = contextlib.ExitStack()
            self.stack.enter_context(reporter_write())
            self.began = now
        self.last = now

    def close(self) -> None:
        if self.stack is not None:
            stack, self.stack = self.stack, None
            self.closed += 1
            stack.close()

    def wait(self) -> float:
        """How long the loop may wait for a request before this burst must end."""
        if self.stack is None:
            return IDLE_SECONDS
        return max(0.0, self.last + QUIET_SECONDS - time.monotonic())

    def due(self) -> bool:
        now = time.monotonic()
        return self.stack is not None and (
            now - self.began >= GROUP_SECONDS or now - self.last >= QUIET_SECONDS
        )


class Service:
    """The loop's state: the listener, each worker connection's unread bytes, the counts."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ)
        self.buffers: dict[socket.socket, bytearray] = {}
        self.burst = _Burst()
        self.stored = 0
        self.groups = 0

    def run(self, stop: threading.Event, *, parent: int | None = None) -> None:
        """Serve until ``stop`` is set or the parent process (``parent``) is gone."""
        try:
            while not stop.is_set() and (parent is None or os.getppid() == parent):
                self.step()
        finally:
            self.burst.close()
            self.close()

    def step(self) -> None:
        waiting = self._read(self.burst.wait())
        if waiting:
            self._answer(waiting)
        if self.burst.due():
            self.burst.close()

    def _read(self, timeout: float) -> list[tuple[socket.socket, bytes]]:
        waiting = []
        for key, _events in self.selector.select(timeout):
            conn = key.fileobj
            if conn is self.listener:
                self._accept()
                continue
            try:
                data = conn.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                self._drop(conn)
                continue
            buffer = self.buffers[conn]
            buffer += data
            try:
                waiting.extend((conn, payload) for payload in protocol.split_frames(buffer))
            except protocol.ProtocolError:
                self._drop(conn)
        return waiting

    def _accept(self) -> None:
        with contextlib.suppress(BlockingIOError):
            conn, _ = self.listener.accept()
            conn.setblocking(False)
            self.buffers[conn] = bytearray()
            self.selector.register(conn, selectors.EVENT_READ)

    def _answer(self, waiting: list[tuple[socket.socket, bytes]]) -> None:
        writes: list[tuple[socket.socket, Write]] = []
        flushes: list[socket.socket] = []
        for conn, payload in waiting:
            try:
                op, args = protocol.parse_request(payload)
            except protocol.ProtocolError:
                self._send(conn, protocol.ERROR + b"ProtocolError")
                continue
            if op == "stats":
                self._send(conn, protocol.STATS + self._stats())
                continue
            if op == "flush":
                flushes.append(conn)
                continue
            writes.append((conn, Write(functools.partial(insert_with, *args))))
        if writes:
            self.burst.wrote()
            commit_group([write for _, write in writes])
            self.groups += 1
            for conn, write in writes:
                self.stored += write.stored
                self._send(conn, _outcome(write))
        if flushes:
            self.burst.close()
            for conn in flushes:
                self._send(conn, protocol.FLUSHED)

    def _stats(self) -> bytes:
        counts = {"stored": self.stored, "groups": self.groups, "bursts": self.burst.closed}
        return json.dumps(counts).encode()

    def _send(self, conn: socket.socket, answer: bytes) -> None:
        # Answers are a few bytes and each worker thread waits for its own before asking
        # again, so the socket's buffer cannot be full; if it is, the worker is gone.
        try:
            conn.sendall(protocol.frame(answer))
        except OSError:
            self._drop(conn)

    def _drop(self, conn: socket.socket) -> None:
        if self.buffers.pop(conn, None) is not None:
            self.selector.unregister(conn)
        conn.close()

    def close(self) -> None:
        for conn in list(self.buffers):
            self._drop(conn)
        self.selector.close()
        self.listener.close()


def _outcome(write: Write) -> bytes:
    if write.stored:
        return protocol.STORED
    if isinstance(write.error, IntegrityError):
        return protocol.DUPLICATE
    # The class only: an error's message may quote the row.
    log.warning("the writer could not store a row: %s", type(write.error).__name__)
    return protocol.ERROR + type(write.error).__name__.encode()


def serve(path: str, stop: threading.Event | None = None, *, parent: int | None = None) -> None:
    """Listen at ``path`` and write what the workers send until ``stop`` (or the parent
    process ends); the database must be bound. Removes its socket when it ends."""
    listener = listen(path)
    mine = os.stat(path).st_ino
    database.connect(reuse_if_open=True)
    try:
        Service(listener).run(stop or threading.Event(), parent=parent)
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == mine:  # not a later writer's socket
                os.unlink(path)
        if not database.is_closed():
            database.close()
