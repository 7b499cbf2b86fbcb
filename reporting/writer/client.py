"""A worker's side: ask this instance's writer process to store a row, or write it here.

Each serving thread keeps one connection to the writer. When there is no writer to ask
(none runs, PostgreSQL, a caller's own transaction) or it fails to answer, the row is
written in this process exactly as it was before the writer existed. If the writer may
have stored it before failing to answer, the local insert of the same primary key then
collides, and finding the row by that key says it was stored: a row is never stored twice
and a caller is never told "stored" for a row that is not.
"""

from __future__ import annotations

import enum
import json
import os
import socket
import threading
import time
from collections.abc import Callable

from peewee import IntegrityError, SqliteDatabase

from reporting.db import database
from reporting.models.prepared import get_by_key, insert_params
from reporting.writer import protocol

# Longer than SQLite's busy timeout (10 s), so a writer waiting for the database is not
# taken for a dead one.
ANSWER_SECONDS = 15.0
# After a failed connection, how long before a thread tries the writer again.
RETRY_SECONDS = 1.0


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # the writer's insert collided: nothing of this row was stored
    NOT_STORED = "not stored"  # the writer answered that it could not store it
    UNAVAILABLE = "unavailable"  # nothing was sent
    UNKNOWN = "unknown"  # sent, but no answer: it may have been stored


class _Local(threading.local):
    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.pid = 0


_LOCAL = _Local()
_RETRY_AT = [0.0]  # monotonic time before which no thread of this process connects


def store(table: str, values: dict, write_here: Callable[[], None]) -> None:
    """Store one row of ``table`` (a name in protocol.TABLES): through the writer if one
    answers, else by ``write_here()``. Raises IntegrityError when the row collides with a
    stored one, as an insert here would."""
    model = protocol.TABLES[table]
    outcome = Outcome.UNAVAILABLE
    if not database.in_transaction() and _connection() is not None:  # never on PostgreSQL
        outcome = _ask(protocol.insert_request(table, insert_params(model, values)))
    if outcome is Outcome.STORED:
        return
    if outcome is Outcome.DUPLICATE:
        raise IntegrityError(f"the {table} row collides with a stored one")
    try:
        write_here()
    except IntegrityError:
        key = values[model._meta.primary_key.name]
        if outcome is Outcome.UNKNOWN and get_by_key(model, key) is not None:
            return  # the writer stored it and could not say so
        raise


def writer_path() -> str | None:
    """The socket of the bound database's writer, or None where no writer is used."""
    target = database.obj
    if not isinstance(target, SqliteDatabase):
        return None
    return protocol.socket_path(target.database)


def _ask(payload: bytes) -> Outcome:
    """Send one insert request (over a connection `store` found) and read its answer."""
    answer = _ask_writer(payload)
    if answer is None:
        return Outcome.UNKNOWN
    code = answer[:1]
    if code == protocol.STORED:
        return Outcome.STORED
    if code == protocol.DUPLICATE:
        return Outcome.DUPLICATE
    return Outcome.NOT_STORED


def stats() -> dict | None:
    """The writer's counts since it started (rows stored, groups, bursts), or None."""
    answer = _ask_writer(protocol.stats_request())
    if answer is None or answer[:1] != protocol.STATS:
        return None
    return json.loads(answer[1:])


def flush() -> bool:
    """Have the writer end its burst (checkpoint the log) now; False without a writer."""
    return _ask_writer(protocol.flush_request()) == protocol.FLUSHED


def _ask_writer(payload: bytes) -> bytes | None:
    sock = _connection()
    if sock is None:
        return None
    try:
        sock.sendall(protocol.frame(payload))
        return _answer(sock)
    except (OSError, protocol.ProtocolError):
        _forget()
        return None


def _connection() -> socket.socket | None:
    local = _LOCAL
    if local.sock is not None and local.pid == os.getpid():
        return local.sock
    local.sock = None  # a connection inherited across fork belongs to the parent
    path = writer_path()
    if path is None or time.monotonic() < _RETRY_AT[0]:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(ANSWER_SECONDS)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        _RETRY_AT[0] = time.monotonic() + RETRY_SECONDS
        return None
    local.sock, local.pid = sock, os.getpid()
    return sock


def _forget() -> None:
    sock, _LOCAL.sock = _LOCAL.sock, None
    if sock is not None:
        sock.close()


def _answer(sock: socket.socket) -> bytes:
    """One framed answer; OSError (timeout, reset, end of stream) when none comes."""
    buffer = bytearray()
    while True:
        frames = protocol.split_frames(buffer)
        if frames:
            return frames[0]
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionResetError("the writer closed the connection")
        buffer += chunk
