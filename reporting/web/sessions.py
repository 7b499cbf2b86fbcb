"""Signed-cookie sessions with two lifetimes: the reporter's and the staff member's.

Flask checks a session cookie's signature against one ``max_age`` for every session. Here
the cookie is loaded with the larger of the two limits, and then:

- a reporter's session (no ``_staff`` key) ends 15 minutes after it started, however often
  it is written again: a re-written reporter cookie keeps its first signature time;
- a staff session (``_staff`` is true) ends after 30 idle minutes: it is signed again on
  every request, so the signature time is the time of the last request.

Both stay browser-session cookies (no Expires), HttpOnly and SameSite=Strict (config.py).
Nothing about the client is added to either cookie.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

STAFF_KEY = "_staff"


class _PinnedTimestampSigner(TimestampSigner):
    """Signs with a given timestamp instead of now, so a rewrite keeps the start time."""

    def __init__(self, *args: Any, timestamp: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timestamp = timestamp

    def get_timestamp(self) -> int:
        return self._timestamp if self._timestamp is not None else super().get_timestamp()


class TimedSession(SecureCookieSession):
    """A session that remembers when its cookie was first signed (None if new)."""

    started: int | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.get(STAFF_KEY))

    def restart(self) -> None:
        """A new reporter session: nothing of the old one kept, its minutes counted from now."""
        self.clear()
        self.started = None


class TwoLifetimeSessionInterface(SecureCookieSessionInterface):
    """Reporter sessions expire 15 minutes after they start; staff sessions when idle."""

    session_class = TimedSession

    def get_signing_serializer(  # type: ignore[override]
        self, app: Flask, timestamp: int | None = None
    ) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys: list[str | bytes] = list(app.config.get("SECRET_KEY_FALLBACKS") or [])
        keys.append(app.secret_key)
        return URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer=_PinnedTimestampSigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
                "timestamp": timestamp,
            },
        )

    def open_session(self, app: Flask, request: Request) -> TimedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        reporter_seconds, staff_seconds = _limits(app)
        try:
            data, signed = serializer.loads(
                value, max_age=max(reporter_seconds, staff_seconds), return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        signed_at = int(signed.timestamp())
        age = time.time() - signed_at
        limit = staff_seconds if data.get(STAFF_KEY) else reporter_seconds
        if age > limit:
            return self.session_class()
        session = self.session_class(data)
        session.started = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if isinstance(session, TimedSession) and session.is_staff:
            return True  # idleness counts from the last request
        return super().should_set_cookie(app, session)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask's own steps, except that a reporter's cookie is signed with its start time."""
        name = self.get_cookie_name(app)
        cookie = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(name, **cookie)
                response.vary.add("Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        pinned = None
        if isinstance(session, TimedSession) and not session.is_staff:
            pinned = session.started
        serializer = self.get_signing_serializer(app, timestamp=pinned)
        assert serializer is not None  # a session was opened, so there is a secret key
        # No expires: browser-session cookies only, for reporters and staff alike.
        response.set_cookie(name, serializer.dumps(dict(session)), **cookie)
        response.vary.add("Cookie")


def _limits(app: Flask) -> tuple[int, int]:
    reporter = int(app.config["REPORTER_SESSION_MINUTES"]) * 60
    staff = int(app.config["STAFF_IDLE_MINUTES"]) * 60
    return reporter, staff


def init_app(app: Flask) -> None:
    app.session_interface = TwoLifetimeSessionInterface()
