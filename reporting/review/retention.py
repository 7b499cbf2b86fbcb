"""Retention: destroying reports' content a set time after closing, unless a legal hold stops it.

Narratives, notes and messages are what can identify a reporter, so they are kept only as
long as reviewers need them: RETENTION_DAYS_AFTER_CLOSING after a report is closed, or
RETENTION_DAYS_UNCLOSED after the month of a report nobody closed. The coded fields stay,
because releases are built from them and released numbers never change. A purged report's
receipt digest is replaced by a random one, so its receipt answers like one never issued.

Deleting a row is not enough to destroy it: on SQLite the database is opened with
``secure_delete`` (db.py) and the write-ahead log is checkpointed and truncated after a
purge; on PostgreSQL the affected tables are vacuumed after the purge's transactions.
No Flask here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Expression, IntegrityError

from reporting.audit import AuditWriter
from reporting.config import Defaults
from reporting.db import database, is_sqlite
from reporting.models import Housekeeping, LegalHold, Message, Note, Report
from reporting.privacy.sanitise import clean_free_text

# Reports purged per transaction: short transactions keep filing and reading responsive.
PURGE_BATCH = 500
MAX_REASON_CHARS = 500
SCHEDULE_NAME = "purge"
# Tables whose rows a purge changes or deletes: vacuumed on PostgreSQL afterwards.
PURGED_TABLES = (Report, Note, Message)


class HoldError(Exception):
    """A legal hold cannot be added or removed; the message says why."""


@dataclass(frozen=True)
class RetentionSettings:
    """How long content is kept, in days, and the time zone whose calendar counts them."""

    days_after_closing: int = Defaults.RETENTION_DAYS_AFTER_CLOSING
    days_unclosed: int = Defaults.RETENTION_DAYS_UNCLOSED
    timezone: str = Defaults.TIMEZONE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionSettings:
        settings = cls(
            days_after_closing=int(config["RETENTION_DAYS_AFTER_CLOSING"]),
            days_unclosed=int(config["RETENTION_DAYS_UNCLOSED"]),
            timezone=str(config["TIMEZONE"]),
        )
        if settings.days_after_closing < 0 or settings.days_unclosed < 0:
            raise ValueError("retention periods must be 0 days or more")
        return settings


@dataclass(frozen=True)
class PurgeResult:
    """What a purge did: reports whose content was destroyed, and those a hold kept."""

    purged: int
    held: int
    dry_run: bool = False


def local_date(now: datetime, timezone: str) -> date:
    if now.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    return now.astimezone(ZoneInfo(timezone)).date()


def _month_label(day: date) -> str:
    return day.strftime("%Y-%m")


def due_condition(today: date, settings: RetentionSettings) -> Expression:
    """Reports whose content is past its retention on ``today`` (holds not considered).

    Closed: more than ``days_after_closing`` days since ``closed_on``. Never closed: more than
    ``days_unclosed`` days since the report's month ended (the first day of the next month),
    which holds exactly for the months before the month of ``today - days_unclosed - 1``.
    """
    closed_before = today - timedelta(days=settings.days_after_closing)
    unclosed_before = _month_label(today - timedelta(days=settings.days_unclosed + 1))
    closed_due = Report.closed_on.is_null(False) & (Report.closed_on < closed_before)
    unclosed_due = Report.closed_on.is_null() & (Report.period < unclosed_before)
    return (Report.purged == False) & (closed_due | unclosed_due)  # noqa: E712 (SQL)


def _held_report_ids() -> set[str]:
    query = LegalHold.select(LegalHold.report).where(LegalHold.report.is_null(False))
    return {hold.report for hold in query}


def everything_held() -> bool:
    return LegalHold.select().where(LegalHold.report.is_null()).exists()


def _due_and_held(today: date, settings: RetentionSettings) -> tuple[int, int]:
    due = Report.select(Report.id).where(due_condition(today, settings))
    if everything_held():
        return 0, due.count()
    held_ids = _held_report_ids()
    held = due.where(Report.id.in_(sorted(held_ids))).count() if held_ids else 0
    return due.count() - held, held


def purge(
    now: datetime,
    settings: RetentionSettings,
    *,
    record: AuditWriter,
    dry_run: bool = False,
    actor: str | None = None,
) -> PurgeResult:
    """Destroy the content of every report past retention and not held; audited.

    Batches of PURGE_BATCH reports, each in its own transaction; an interrupted purge leaves
    whole reports purged or untouched, and the next run carries on.
    """
    today = local_date(now, settings.timezone)
    if dry_run:
        would_purge, held = _due_and_held(today, settings)
        return PurgeResult(purged=would_purge, held=held, dry_run=True)
    purged = 0
    while True:
        with database.atomic():
            if everything_held():
                break  # a hold on everything added mid-purge stops it at once
            ids = _next_batch(today, settings)
            if not ids:
                break
            _destroy_content(ids)
        purged += len(ids)
    if purged:
        reclaim_space()
    _, held = _due_and_held(today, settings)
    result = PurgeResult(purged=purged, held=held)
    record("purge", "reports", {"purged": result.purged, "held": result.held}, actor=actor)
    return result


def _next_batch(today: date, settings: RetentionSettings) -> list[str]:
    query = Report.select(Report.id).where(due_condition(today, settings))
    held_ids = _held_report_ids()
    if held_ids:
        query = query.where(Report.id.not_in(sorted(held_ids)))
    return [row.id for row in query.order_by(Report.id).limit(PURGE_BATCH)]


def _destroy_content(report_ids: list[str]) -> None:
    Note.delete().where(Note.report.in_(report_ids)).execute()
    Message.delete().where(Message.report.in_(report_ids)).execute()
    for report_id in report_ids:
        # A fresh random digest (same form as a real one): the receipt now matches nothing,
        # and the receipt-derived reply key and the receipt's copy of the narrative's key go
        # too, so nothing left on the row can be tested against a receipt.
        Report.update(
            narrative=None,
            purged=True,
            receipt_digest=secrets.token_hex(32),
            reply_key=None,
            narrative_receipt_key=None,
        ).where(Report.id == report_id).execute()


def reclaim_space() -> None:
    """Make destroyed rows unreadable on disk, outside any transaction.

    SQLite (secure_delete on) has zeroed the freed space, but the old pages may still sit in
    the write-ahead log: a TRUNCATE checkpoint copies the log into the file and empties it.
    PostgreSQL keeps dead row versions until VACUUM reclaims them.
    """
    if is_sqlite(database):
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    for model in PURGED_TABLES:
        database.execute_sql(f'VACUUM "{model._meta.table_name}"')


def purge_if_due(
    now: datetime, settings: RetentionSettings | Mapping[str, Any], *, record: AuditWriter
) -> PurgeResult | None:
    """The scheduled purge: runs at most once a local day across all app instances.

    The day is claimed first (the Housekeeping row "purge" holds the last run's date), so two
    instances never purge together; a purge that fails gives the claim back for a retry.
    Returns None when today's purge has already run.
    """
    if not isinstance(settings, RetentionSettings):
        settings = RetentionSettings.from_config(settings)
    today = local_date(now, settings.timezone)
    previous = _claim_day(today)
    if previous is False:
        return None
    try:
        return purge(now, settings, record=record, actor="schedule")
    except Exception:
        if previous is None:
            Housekeeping.delete().where(Housekeeping.name == SCHEDULE_NAME).execute()
        else:
            Housekeeping.update(last_run=previous).where(
                Housekeeping.name == SCHEDULE_NAME
            ).execute()
        raise


def _claim_day(today: date) -> date | None | bool:
    """Record today as the purge's day: the previous date (None if never run), False if taken."""
    row = Housekeeping.get_or_none(Housekeeping.name == SCHEDULE_NAME)
    if row is None:
        try:
            with database.atomic():
                Housekeeping.create(name=SCHEDULE_NAME, last_run=today)
        except IntegrityError:
            return False
        return None
    claimed = (
        Housekeeping.update(last_run=today)
        .where((Housekeeping.name == SCHEDULE_NAME) & (Housekeeping.last_run < today))
        .execute()
    )
    return row.last_run if claimed else False


def expiry_for_backup(taken_on: date, settings: RetentionSettings | None = None) -> date:
    """The date a backup taken on ``taken_on`` must be destroyed by.

    A backup holds content the live database will purge at the latest this long after the
    backup (the shorter retention period), so it must not outlive that; a backup restored
    before its expiry is purged again at once, since what was due stays due.
    """
    settings = settings or RetentionSettings()
    return taken_on + timedelta(days=min(settings.days_after_closing, settings.days_unclosed))


# Legal holds ------------------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    text = clean_free_text(reason or "")
    if not text:
        raise HoldError("give a reason for the hold (for example the case or request it serves)")
    if len(text) > MAX_REASON_CHARS:
        raise HoldError(f"the reason must be at most {MAX_REASON_CHARS} characters")
    return text


def add_hold(
    report_id: str | None,
    reason: str,
    now: datetime,
    *,
    record: AuditWriter,
    actor: str | None = None,
) -> LegalHold:
    """Hold one report's content (or, with ``report_id`` None, everything's) from retention."""
    text = _clean_reason(reason)
    if report_id is not None:
        report = Report.get_or_none(Report.id == report_id.strip().lower())
        if report is None:
            raise HoldError(f"no report has the id {report_id!r}")
        if report.purged:
            raise HoldError(f"report {report.id} was already purged: nothing is left to hold")
        report_id = report.id
    hold = LegalHold.create(
        id=secrets.token_hex(8),
        report=report_id,
        reason=text,
        created=now.astimezone(UTC).replace(tzinfo=None),
    )
    record("hold-add", hold.id, {"report": report_id or "all", "reason": text}, actor=actor)
    return hold


def remove_hold(hold_id: str, *, record: AuditWriter, actor: str | None = None) -> LegalHold:
    hold = LegalHold.get_or_none(LegalHold.id == hold_id.strip().lower())
    if hold is None:
        raise HoldError(f"no legal hold has the id {hold_id!r} (see `reporting hold list`)")
    LegalHold.delete().where(LegalHold.id == hold.id).execute()
    record("hold-remove", hold.id, {"report": hold.report or "all"}, actor=actor)
    return hold


def list_holds() -> list[LegalHold]:
    return list(LegalHold.select().order_by(LegalHold.created, LegalHold.id))
