"""Recording privileged actions from views and commands into the audit log (audit.py).

The one call views, commands and domain verbs make: it finds who acted (the logged-in staff
member, a bearer token's name, or the operating-system user of a command), the time from
the app's clock and the key from SECRET_KEY. It reads nothing else of the request: never
the client address, the user agent or a cookie. Reporter actions are never recorded: in a
request with nobody logged in, only a failed staff login is, and anything else is dropped.
"""

from __future__ import annotations

import getpass
from typing import Any

from flask import current_app, g, has_request_context
from flask_login import current_user

from reporting import audit as audit_log
from reporting.db import database

ANONYMOUS = "anonymous"
# What an anonymous visitor may cause to be recorded: an attempt at a staff login.
ANONYMOUS_ACTIONS = frozenset({"login-failed", "login-refused-no-second-factor"})


def current_actor() -> str:
    """Who is acting: a staff username, ``token:<name>``, or ``cli:<os user>``."""
    if has_request_context():
        holder = g.get("token_holder")
        if holder is not None:
            return f"token:{holder.name}"
        if current_user.is_authenticated:
            return str(current_user.username)
        return ANONYMOUS
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return "cli:unknown"


def audit(
    action: str, obj: str = "", detail: dict[str, Any] | None = None, *, actor: str | None = None
) -> None:
    """Append one entry: ``actor`` defaults to the logged-in staff member (or the CLI user).

    Pass ``actor`` for work the app does on its own (``"app"``, a scheduled purge). An
    anonymous visitor's action is not recorded, except a failed staff login.
    """
    who = actor or current_actor()
    if who == ANONYMOUS and action not in ANONYMOUS_ACTIONS:
        return
    key = audit_log.key_from_secret(current_app.config.get("SECRET_KEY") or "")
    now = current_app.extensions["reporting"].clock()
    opened_here = database.is_closed()
    if opened_here:
        database.connect()
    try:
        audit_log.append(key, at=now, actor=who, action=action, obj=obj, detail=detail)
    finally:
        if opened_here:
            database.close()


def audit_keys() -> tuple[bytes, tuple[bytes, ...]]:
    """The current audit key and those of SECRET_KEY_FALLBACKS, for verifying."""
    current = audit_log.key_from_secret(current_app.config.get("SECRET_KEY") or "")
    older = tuple(
        audit_log.key_from_secret(secret)
        for secret in current_app.config.get("SECRET_KEY_FALLBACKS") or ()
        if secret
    )
    return current, older
