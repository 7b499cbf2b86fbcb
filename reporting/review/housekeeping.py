"""Scheduled work the app does itself, so a deployment without cron still keeps its promises.

The daily batch (batches.py) must run for reviewers to see anything; the retention purge
(retention.py) must run for content to be destroyed on time; and staff sessions and
reviewers' key sessions left behind by closed browsers are deleted once idle
(staff_sessions.py, keys.py). Requests call `run_lazily`,
which looks at most once a minute per process (measured on the app's clock, so tests that
move the clock see it run), and `reporting batch` calls `run_due` directly. Only staff
requests run it, never a reporter's: the purge's audit entry would otherwise record when a
reporter came by. No Flask here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reporting import staff_sessions
from reporting.audit import AuditWriter
from reporting.privacy import keys
from reporting.review import batches, retention

CHECK_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class HousekeepingSettings:
    batch: batches.BatchSettings
    retention: retention.RetentionSettings
    staff_idle: timedelta

    @classmethod
    def from_config(cls, settings: Mapping[str, Any]) -> HousekeepingSettings:
        return cls(
            batch=batches.BatchSettings.from_config(settings),
            retention=retention.RetentionSettings.from_config(settings),
            staff_idle=timedelta(minutes=int(settings["STAFF_IDLE_MINUTES"])),
        )


@dataclass(frozen=True)
class HousekeepingResult:
    batch: batches.BatchResult
    purge: retention.PurgeResult | None = None
    idle_key_sessions_ended: int = 0
    idle_staff_sessions_ended: int = 0


def run_due(
    settings: HousekeepingSettings, now: datetime, *, record: AuditWriter
) -> HousekeepingResult:
    """Run every piece of scheduled work that is due; each is idempotent and locked.

    The purge is audited through ``record`` and must not run inside a transaction
    (PostgreSQL's VACUUM cannot).
    """
    batch = batches.run_due(now, settings.batch)
    purge = retention.purge_if_due(now, settings.retention, record=record)
    ended = keys.end_idle_sessions(now, settings.staff_idle)
    staff = staff_sessions.end_idle(now, settings.staff_idle)
    return HousekeepingResult(
        batch=batch, purge=purge, idle_key_sessions_ended=ended, idle_staff_sessions_ended=staff
    )


@dataclass
class Throttle:
    """When this process last looked for due work, so requests look at most once a minute."""

    last: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def claim(self, now: datetime) -> bool:
        """True for the one caller that should look now (a clock moved back also counts)."""
        with self.lock:
            if self.last is not None and timedelta(0) <= now - self.last < CHECK_EVERY:
                return False
            self.last = now
            return True


EXTENSION = "reporting.review.housekeeping"


def throttle_in(extensions: dict[str, Any]) -> Throttle:
    """The app's throttle, kept in its ``extensions`` mapping (one per app and process)."""
    found = extensions.get(EXTENSION)
    if found is None:
        found = extensions.setdefault(EXTENSION, Throttle())
    return found


def run_lazily(
    settings: Mapping[str, Any], now: datetime, throttle: Throttle, *, record: AuditWriter
) -> HousekeepingResult | None:
    """Run due work unless this process looked less than a minute ago."""
    if not throttle.claim(now):
        return None
    return run_due(HousekeepingSettings.from_config(settings), now, record=record)


def run_for_app(app: Any, now: datetime, *, record: AuditWriter) -> HousekeepingResult | None:
    """From a request (``app`` is the Flask app): look for due work at most once a minute.

    A failure is logged and the request carries on: the next look, or `reporting batch`,
    runs it again.
    """
    try:
        return run_lazily(app.config, now, throttle_in(app.extensions), record=record)
    except Exception:
        app.logger.exception("housekeeping failed; it runs again on the next look")
        return None
