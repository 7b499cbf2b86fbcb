"""The daily batch: reviewers see new reports and reporter messages once a day, all at once.

A report that reached reviewers the moment it was filed would tell them when it was written
(and so, on a quiet ward, who wrote it). So nothing enters the inbox as it arrives: at the
configured local time each day, everything filed since the last batch is released together.
The only clock kept is the date of the last batch (the ``Housekeeping`` row named "batch"),
never a time per report; an unacknowledged report counts the batches it has waited, up to
the overdue limit and no further.

Each batch also rewrites what reporters wrote in the order of its random ids
(`rewrite_in_key_order`), so a copy of the database taken after it cannot tell in which
order the day's reports and answers came.

Once a batch has committed, each reviewer of a group that received something may get one
content-free email saying how many items wait (notifications.py); a mail failure never
touches the batch.

No Flask here: the app runs it lazily (housekeeping.py) and `reporting batch` from cron.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Case

from reporting import config
from reporting.db import database, is_sqlite, write_transaction
from reporting.models import (
    Housekeeping,
    Message,
    PulseResponse,
    PulseSpentToken,
    Report,
    ReportRead,
)
from reporting.review.notifications import MailSettings, Waiting, notify

HOUSEKEEPING_NAME = "batch"
CHUNK = 500


@dataclass(frozen=True)
class BatchSettings:
    """When the batch runs (local time in ``timezone``), when a report is overdue, and how
    reviewers are told (None: no email)."""

    batch_time: tuple[int, int]
    timezone: str
    acknowledge_within: int
    mail: MailSettings | None = None

    @classmethod
    def from_config(cls, settings: Mapping[str, Any]) -> BatchSettings:
        return cls(
            batch_time=config.batch_time(dict(settings)),
            timezone=str(settings["TIMEZONE"]),
            acknowledge_within=int(settings["ACKNOWLEDGE_WITHIN_BATCHES"]),
            mail=MailSettings.from_config(settings),
        )


@dataclass(frozen=True)
class BatchResult:
    """What one call did. ``started`` means the schedule began now and nothing was released;
    ``emailed`` counts the reviewers' notices the mail server accepted."""

    batch_date: date
    batches: int = 0
    reports: int = 0
    messages: int = 0
    started: bool = False
    emailed: int = 0

    @property
    def ran(self) -> bool:
        return self.batches > 0


def latest_batch_date(now: datetime, settings: BatchSettings) -> date:
    """The local date of the most recent batch time at or before ``now``."""
    if now.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    local = now.astimezone(ZoneInfo(settings.timezone))
    hours, minutes = settings.batch_time
    if local.time() >= time(hours, minutes):
        return local.date()
    return local.date() - timedelta(days=1)


def last_batch_date() -> date | None:
    row = Housekeeping.get_or_none(Housekeeping.name == HOUSEKEEPING_NAME)
    return None if row is None else row.last_run


def run_due(now: datetime, settings: BatchSettings) -> BatchResult:
    """Run the batch if a batch time has passed since the last one; safe to call any time.

    The Housekeeping row is the lock: SQLite takes the write lock at BEGIN (IMMEDIATE), and
    PostgreSQL locks the row (FOR UPDATE), so of two racing processes the second sees the
    first's date and does nothing. The very first call only starts the schedule: a report
    filed before it waits for the next batch time, like any other.
    """
    latest = latest_batch_date(now, settings)
    sqlite = is_sqlite(database)
    with write_transaction():
        query = Housekeeping.select().where(Housekeeping.name == HOUSEKEEPING_NAME)
        row = query.get_or_none() if sqlite else query.for_update().get_or_none()
        if row is None:
            Housekeeping.insert(
                name=HOUSEKEEPING_NAME, last_run=latest
            ).on_conflict_ignore().execute()
            return BatchResult(batch_date=latest, started=True)
        passed = (latest - row.last_run).days
        if passed <= 0:
            return BatchResult(batch_date=row.last_run)
        _count_waiting(passed, settings.acknowledge_within)
        released = _release_reports()
        messages = _release_messages()
        Housekeeping.update(last_run=latest).where(Housekeeping.name == HOUSEKEEPING_NAME).execute()
    result = BatchResult(batch_date=latest, batches=passed)
    return _after_commit(result, released, messages, settings)


FORCED_NAME = "batch-forced"


class BatchRefused(Exception):
    """A forced batch was asked for when it may not run; the message says why."""


def run_now(now: datetime, settings: BatchSettings) -> BatchResult:
    """Release everything waiting now, once per local day (`reporting batch --now`).

    For a pilot's first day, or an inbox that must not wait for tomorrow. It narrows what a
    batch hides: the reports it releases were filed between the last batch and now, so it is
    audited by the caller and allowed once a day. The schedule is unchanged: the next
    batch time releases what arrives after this one. Waiting counts are not advanced (they
    count scheduled batches).
    """
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    with write_transaction():
        forced = Housekeeping.get_or_none(Housekeeping.name == FORCED_NAME)
        if forced is not None and forced.last_run == today:
            raise BatchRefused(
                "a batch was already forced today; the next one runs at the batch time"
            )
        if Housekeeping.get_or_none(Housekeeping.name == HOUSEKEEPING_NAME) is None:
            latest = latest_batch_date(now, settings)
            Housekeeping.insert(name=HOUSEKEEPING_NAME, last_run=latest).execute()
        released = _release_reports()
        messages = _release_messages()
        Housekeeping.insert(name=FORCED_NAME, last_run=today).on_conflict(
            conflict_target=[Housekeeping.name], update={Housekeeping.last_run: today}
        ).execute()
    return _after_commit(BatchResult(batch_date=today, batches=1), released, messages, settings)


def _after_commit(
    result: BatchResult,
    released: Mapping[str, int],
    messages: Mapping[str, int],
    settings: BatchSettings,
) -> BatchResult:
    """Once the batch is committed: rewrite what reporters wrote, then tell reviewers.

    The emails come last and cannot fail the batch (notify never raises).
    """
    reports, answers = sum(released.values()), sum(messages.values())
    if not reports and not answers:
        return result
    rewrite_in_key_order()
    counts = {
        group: Waiting(released.get(group, 0), messages.get(group, 0))
        for group in sorted(set(released) | set(messages))
    }
    emailed = notify(settings.mail, counts)
    return replace(result, reports=reports, messages=answers, emailed=emailed)


# What a reporter writes: rebuilt at every batch so that nothing orders it within the day.
# Pulse responses and spent tokens are written by respondents as reports are by reporters.
REWRITTEN = (Report, Message, PulseResponse, PulseSpentToken)


def rewrite_in_key_order() -> None:
    """Rebuild the reporter-written tables in the order of their random ids.

    Until now the files kept the order the day's filings came in: SQLite fills a page from
    its end as rows arrive and grows the file page by page; PostgreSQL appends each row to
    its heap (``ctid``) under the filing's own transaction id (``xmin``), beside the audit
    log's timestamped rows. The release above gave every released row this batch's
    transaction id; now SQLite's VACUUM rebuilds the file table by table in key order and the
    log is emptied, and PostgreSQL's CLUSTER rewrites each table in primary-key order,
    dropping the old row versions. Ids are random, so key order says nothing about time.
    Runs outside any transaction; writers wait for it (seconds, once a day).
    """
    if is_sqlite(database):
        database.execute_sql("VACUUM")
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    for model in REWRITTEN:
        table = model._meta.table_name
        database.execute_sql(f'CLUSTER "{table}" USING "{table}_pkey"')


def _count_waiting(passed: int, cap: int) -> None:
    """Unacknowledged reports already in the inbox have waited ``passed`` more batches."""
    counted = Report.waiting_batches + passed
    (
        Report.update(waiting_batches=Case(None, [(counted >= cap, cap)], counted))
        .where(
            Report.in_inbox == True,  # noqa: E712 (peewee expression)
            Report.status == "received",
            Report.purged == False,  # noqa: E712
            Report.waiting_batches < cap,
        )
        .execute()
    )


def _release_reports() -> dict[str, int]:
    """Everything filed since the last batch enters the inbox; how many, per review group."""
    waiting = Report.select(Report.id, Report.review_group).where(Report.in_inbox == False)  # noqa: E712
    rows = list(waiting.tuples())
    ids = [report_id for report_id, _ in rows]
    for start in range(0, len(ids), CHUNK):
        Report.update(in_inbox=True).where(Report.id.in_(ids[start : start + CHUNK])).execute()
    return Counter(group for _, group in rows)


def _release_messages() -> dict[str, int]:
    """Reporter messages reach reviewers; their reports are flagged and unread again."""
    waiting = (
        Message.select(Message.id, Message.report, Report.review_group)
        .join(Report)
        .where(Message.in_inbox == False)  # noqa: E712
        .tuples()
    )
    found = list(waiting)
    rows = [(message_id, report_id) for message_id, report_id, _ in found]
    per_group = Counter(group for _, _, group in found)
    ids = [message_id for message_id, _ in rows]
    reports = sorted({report_id for _, report_id in rows})
    for start in range(0, len(reports), CHUNK):
        chunk = reports[start : start + CHUNK]
        Report.update(reporter_replied=True).where(Report.id.in_(chunk)).execute()
        ReportRead.delete().where(ReportRead.report.in_(chunk)).execute()
    for start in range(0, len(ids), CHUNK):
        Message.update(in_inbox=True).where(Message.id.in_(ids[start : start + CHUNK])).execute()
    return per_group
