"""What a worker and the writer process say to each other: length-prefixed JSON frames.

A request names a table the writer may insert into and the row's column values in the
model's order (`reporting.models.prepared.insert_params`), bytes as base64. The answer is
one letter (stored, duplicate, error) and, for an error, its class name: never a row's
content, which the writer does not log either.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from typing import Any

from peewee import Model

from reporting.models import Report

# The tables a reporter's row may go to through the writer, by the name a request uses.
TABLES: dict[str, type[Model]] = {"report": Report}

STORED, DUPLICATE, ERROR, STATS, FLUSHED = b"S", b"D", b"E", b"J", b"F"
_LENGTH = struct.Struct("!I")
MAX_FRAME = 1 << 20  # a row holds at most a 10,000-character narrative, sealed
# A Unix socket's path must fit in sockaddr_un (108 bytes with the terminating NUL).
MAX_SOCKET_PATH = 107


class ProtocolError(ValueError):
    """A frame that is not a well-formed request or answer."""


def socket_path(database_path: str) -> str | None:
    """Where the writer for this SQLite file listens; None when the path is too long for
    a Unix socket (the workers then write themselves)."""
    path = os.path.abspath(database_path) + "-writer.sock"
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


def frame(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def split_frames(buffer: bytearray) -> list[bytes]:
    """Take every complete frame off the front of ``buffer``."""
    frames = []
    while len(buffer) >= _LENGTH.size:
        (length,) = _LENGTH.unpack_from(buffer)
        if length > MAX_FRAME:
            raise ProtocolError("frame too long")
        end = _LENGTH.size + length
        if len(buffer) < end:
            break
        frames.append(bytes(buffer[_LENGTH.size : end]))
        del buffer[:end]
    return frames


def _value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b": base64.b64encode(value).decode("ascii")}
    return value


def _unvalue(value: Any) -> Any:
    if isinstance(value, dict):
        return base64.b64decode(value["b"], validate=True)
    return value


def insert_request(table: str, params: list) -> bytes:
    return json.dumps({"insert": table, "params": [_value(v) for v in params]}).encode()


def stats_request() -> bytes:
    return b'{"stats": true}'


def flush_request() -> bytes:
    """End the writer's burst now: the log is checkpointed before the answer."""
    return b'{"flush": true}'


def parse_request(payload: bytes) -> tuple[str, Any]:
    """("insert", (model, params)), ("stats", None) or ("flush", None); ProtocolError for
    anything else."""
    try:
        request = json.loads(payload)
        for op in ("stats", "flush"):
            if request.get(op) is True:
                return op, None
        model = TABLES[request["insert"]]
        params = [_unvalue(v) for v in request["params"]]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProtocolError("not a writer request") from error
    if len(params) != len(model._meta.sorted_fields):
        raise ProtocolError("wrong number of columns")
    return "insert", (model, params)
