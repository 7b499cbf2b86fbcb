"""Server-side staff sessions: the row every staff request must find. No Flask here.

Login makes a random id; the staff member's cookie carries it, the database keeps only its
SHA-256 (`StaffSession`), so a copy of the database opens no session. Every staff request
looks the row up: logout, a password change, removing the account and idle expiry delete
it, and a cookie copied before any of these opens nothing after. Nothing about the client
(address, browser) is stored, and reporters never have a row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from reporting.models import StaffSession
from reporting.periods import naive_utc

# The last-used time is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
MAX_ID_CHARS = 100


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(user_id: str, now: datetime) -> str:
    """A new session for the account; returns the id, which only the cookie keeps."""
    session_id = secrets.token_urlsafe(32)
    moment = naive_utc(now)
    StaffSession.create(digest=_digest(session_id), user=user_id, created=moment, last_used=moment)
    return session_id


def is_live(session_id: str, user_id: str, now: datetime, idle: timedelta) -> bool:
    """True if the session exists, is the account's and has not idled out (then it is gone)."""
    if not isinstance(session_id, str) or not session_id or len(session_id) > MAX_ID_CHARS:
        return False
    digest = _digest(session_id)
    row = StaffSession.get_or_none(StaffSession.digest == digest)
    if row is None or row.user_id != user_id:
        return False
    moment = naive_utc(now)
    if moment - row.last_used > idle:
        StaffSession.delete().where(StaffSession.digest == digest).execute()
        return False
    if moment - row.last_used > TOUCH_EVERY:
        StaffSession.update(last_used=moment).where(StaffSession.digest == digest).execute()
    return True


def end(session_id: str) -> None:
    if isinstance(session_id, str) and session_id:
        StaffSession.delete().where(StaffSession.digest == _digest(session_id)).execute()


def end_all_of(user_id: str) -> int:
    """End every session of the account (a password change, removal); returns how many."""
    return StaffSession.delete().where(StaffSession.user == user_id).execute()


def count_of(user_id: str) -> int:
    return StaffSession.select().where(StaffSession.user == user_id).count()


def end_idle(now: datetime, idle: timedelta) -> int:
    """Delete sessions left behind by closed browsers; returns how many."""
    cutoff = naive_utc(now) - idle
    return StaffSession.delete().where(StaffSession.last_used < cutoff).execute()
