"""The audit log of privileged actions: append-only, and chained by a keyed hash.

Each entry's digest is an HMAC-SHA256 over the previous entry's digest and a canonical
encoding of this entry (its sequence number included), under a key derived from the
instance's SECRET_KEY. A copy of the database alone can neither change an entry nor
recompute the chain after a change. Row 0 is the head: how many entries there are and the
last digest, under the same key, so removing entries from the end is caught too.

Appends are serialised across threads, processes and app instances (an advisory lock on
PostgreSQL, an immediate write transaction on SQLite), so the chain never forks. No Flask
here; auditing.py supplies the actor, the clock and the key from the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from peewee import ModelSelect

from reporting.db import database, is_sqlite
from reporting.models import AuditEntry
from reporting.periods import naive_utc

KEY_PURPOSE = b"reporting/audit/v1"
HEAD_SEQ = 0
HEAD_ACTION = "(head)"
GENESIS = "0" * 64  # the "previous digest" of entry 1
LOCK_ID = 0x41554454  # "AUDT": the advisory lock id on PostgreSQL

MAX_ACTOR = AuditEntry.actor.max_length
MAX_ACTION = AuditEntry.action.max_length
MAX_OBJECT = AuditEntry.object.max_length


class AuditWriter(Protocol):
    """How a domain verb records a privileged action without knowing who or when.

    The web layer's `reporting.web.auditing.audit` is one: it finds the actor, the app's
    clock and the key. Domain modules take one as ``record`` so they never import Flask.
    """

    def __call__(
        self,
        action: str,
        obj: str = "",
        detail: dict[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> None: ...


class AuditError(Exception):
    """An entry cannot be appended (no key, or a detail that is not JSON)."""


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain: ``bad_seq`` is None when every entry holds."""

    count: int
    bad_seq: int | None = None
    reason: str = ""
    head_digest: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.bad_seq is None


def key_from_secret(secret: str | bytes) -> bytes:
    """The audit key: HKDF of the instance's SECRET_KEY, for this purpose only."""
    if not secret:
        raise AuditError("no SECRET_KEY: run `reporting init` before anything is audited")
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(material)


def _canonical_detail(detail: dict[str, Any] | None) -> str:
    try:
        return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise AuditError(f"an audit detail must be plain JSON: {exc}") from exc


def _encode(entry: AuditEntry) -> bytes:
    """An unambiguous encoding of one entry: a JSON array of its fields."""
    at = entry.at
    if isinstance(at, str):  # a value an editor wrote by hand in SQLite
        at = datetime.fromisoformat(at)
    when = at.strftime("%Y-%m-%dT%H:%M:%S")
    fields = [entry.seq, when, entry.actor, entry.action, entry.object, entry.detail]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_digest(key: bytes, previous: str, entry: AuditEntry) -> str:
    message = previous.encode("ascii") + b"\n" + _encode(entry)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def head_digest(key: bytes, count: int, last: str) -> str:
    message = b"head\n" + json.dumps([count, last]).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _holds(stored: object, digests: Iterable[str]) -> bool:
    """Whether the stored digest is one of ``digests`` (one per key), each compared safely."""
    return any(hmac.compare_digest(digest, str(stored)) for digest in digests)


@contextlib.contextmanager
def _append_lock() -> Iterator[None]:
    """A transaction in which nobody else appends until it ends."""
    if not is_sqlite(database):
        with database.atomic():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
            yield
    elif database.in_transaction():
        with database.atomic():
            # Inside the caller's transaction: take the write lock before reading the head.
            AuditEntry.update(seq=AuditEntry.seq).where(AuditEntry.seq == HEAD_SEQ).execute()
            yield
    else:
        with database.atomic(lock_type="IMMEDIATE"):
            yield


def _storable(text: object) -> str:
    """PostgreSQL text cannot hold NUL, and a typed username may contain one: mark it instead."""
    return str(text).replace("\x00", "\ufffd")


def append(
    key: bytes,
    *,
    at: datetime,
    actor: str,
    action: str,
    obj: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry and move the head, atomically; returns the stored entry.

    Texts longer than their column are cut (a typed username can be any length); a detail
    that is not plain JSON is refused before anything is written.
    """
    if not action:
        raise AuditError("an audit entry needs an action")
    if at.tzinfo is None:
        raise AuditError("the clock must return an aware datetime")
    values = {
        "at": naive_utc(at).replace(microsecond=0),  # to the second: the form stored and hashed
        "actor": _storable(actor)[:MAX_ACTOR],
        "action": _storable(action)[:MAX_ACTION],
        "object": _storable(obj or "")[:MAX_OBJECT],
        "detail": _canonical_detail(detail),
    }
    with _append_lock():
        head = AuditEntry.get_or_none(AuditEntry.seq == HEAD_SEQ)
        count, previous = _head_state(head)
        entry = AuditEntry(seq=count + 1, digest="", **values)
        entry.digest = entry_digest(key, previous, entry)
        entry.save(force_insert=True)
        _store_head(key, head, entry.seq, entry.digest, values["at"])
    return entry


def _head_state(head: AuditEntry | None) -> tuple[int, str]:
    if head is None:
        return 0, GENESIS
    state = json.loads(head.detail)
    return int(state["count"]), str(state["last"])


def _store_head(key: bytes, head: AuditEntry | None, count: int, last: str, at: datetime) -> None:
    state = json.dumps({"count": count, "last": last}, sort_keys=True)
    values = {"at": at, "actor": "", "action": HEAD_ACTION, "object": str(count), "detail": state}
    values["digest"] = head_digest(key, count, last)
    if head is None:
        AuditEntry.create(seq=HEAD_SEQ, **values)
    else:
        AuditEntry.update(**values).where(AuditEntry.seq == HEAD_SEQ).execute()


def _logged(actor: str | None = None, action: str | None = None) -> ModelSelect:
    """The entries (never the head row), only one actor's or one action's when given."""
    query = AuditEntry.select().where(AuditEntry.seq != HEAD_SEQ)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    return query


def entries() -> Iterator[AuditEntry]:
    """Every entry in sequence order (the head row excluded), streamed."""
    return iter(_logged().order_by(AuditEntry.seq).iterator())


def verify(key: bytes, *, older_keys: Sequence[bytes] = ()) -> Verification:
    """Walk the chain and name the first bad entry: changed, removed, or out of order.

    ``older_keys`` are keys from SECRET_KEYs the instance used before (its
    SECRET_KEY_FALLBACKS): entries written under them still verify. The head is read first,
    so entries appended while this runs are checked but never taken for tampering.
    """
    all_keys = (key, *older_keys)
    with database.atomic():
        head = AuditEntry.get_or_none(AuditEntry.seq == HEAD_SEQ)
        try:
            recorded, recorded_last = _head_state(head)
        except (TypeError, ValueError, KeyError):
            return Verification(0, HEAD_SEQ, "the head row was changed")
        walked = _walk(all_keys, entries(), recorded)
    if isinstance(walked, Verification):
        return walked
    count, last, digest_at_head = walked
    if head is None:
        if count == 0:
            return Verification(0)
        return Verification(count, HEAD_SEQ, "the head row (count and last digest) is missing")
    if not _holds(head.digest, (head_digest(k, recorded, recorded_last) for k in all_keys)):
        return Verification(count, HEAD_SEQ, "the head row was changed")
    if recorded > count:
        removed = f"{_entries(count + 1, recorded)} removed from the end of the log"
        return Verification(count, count + 1, f"{removed} (the head records {recorded} entries)")
    if digest_at_head != recorded_last:
        return Verification(count, recorded, "the entry differs from the one the head recorded")
    return Verification(count, head_digest=last)


def _walk(
    keys: Sequence[bytes], rows: Iterable[AuditEntry], watch: int
) -> Verification | tuple[int, str, str | None]:
    """(count, last digest, digest of entry ``watch``) or the first bad entry."""
    expected = 1
    previous = GENESIS
    watched = GENESIS if watch == 0 else None
    for entry in rows:
        if entry.seq != expected:
            if entry.seq < expected:
                return Verification(expected - 1, entry.seq, "an entry out of sequence")
            missing = _entries(expected, entry.seq - 1)
            return Verification(expected - 1, expected, f"{missing} removed from the log")
        try:
            valid = _holds(entry.digest, (entry_digest(k, previous, entry) for k in keys))
        except (TypeError, ValueError, AttributeError):
            valid = False
        if not valid:
            return Verification(
                expected - 1,
                entry.seq,
                "the entry does not match its digest: it was changed, or moved from "
                "another place in the log",
            )
        previous = str(entry.digest)
        if entry.seq == watch:
            watched = previous
        expected += 1
    return expected - 1, previous, watched


def _entries(first: int, last: int) -> str:
    return f"entry {first} was" if first == last else f"entries {first} to {last} were"


def check_anchor(seq: int, digest: str) -> str | None:
    """None if entry ``seq`` still has the digest recorded elsewhere; else what is wrong.

    An anchor (``verify`` prints the last one) kept outside the database catches what the
    chain cannot: the whole log rolled back, or replaced together with its head.
    """
    entry = AuditEntry.get_or_none(AuditEntry.seq == seq) if seq > 0 else None
    if entry is None:
        return f"entry {seq} of the anchor is not in the log"
    if not hmac.compare_digest(str(entry.digest), digest.strip().lower()):
        return f"entry {seq} no longer has the anchored digest"
    return None


def recent(
    *, limit: int = 50, offset: int = 0, actor: str | None = None, action: str | None = None
) -> list[AuditEntry]:
    """Entries newest first, optionally one actor's or one action's, for reading."""
    query = _logged(actor, action).order_by(AuditEntry.seq.desc())
    return list(query.limit(limit).offset(offset))


def count(*, actor: str | None = None, action: str | None = None) -> int:
    return _logged(actor, action).count()
