"""The reporter's side: a report and what hangs off it (conversation, notes, flags, holds).

Reports keep the month they were filed in, never a time; their ids are random, and on
SQLite their table is WITHOUT ROWID so the physical order carries no filing sequence.
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from reporting.models.base import BaseModel, BytesField
from reporting.models.prepared import insert
from reporting.models.staff import ReviewGroup, User

# Compiled INSERT statements, per database object (SQLite and PostgreSQL differ).


class Report(BaseModel):
    """One anonymous report: coded fields, the month, and the sealed narrative."""

    id = CharField(primary_key=True, max_length=32)
    # No index of its own: period leads report_release_leaves (schema 3), and each index
    # costs every filing a page write (schema 11).
    period = CharField(max_length=7)
    kind = CharField(max_length=20)
    category = CharField(max_length=40)
    unit = CharField(max_length=80)
    role = CharField(max_length=20)
    intensity = SmallIntegerField(null=True)
    distress_type = CharField(max_length=20, null=True)
    stopped_by = CharField(max_length=20, null=True)
    potential_harm = CharField(max_length=20, null=True)
    severity = CharField(max_length=10)
    status = CharField(max_length=30, default="received")
    # Led by report_inbox (review_group_id, in_inbox, …) instead of an index of its own.
    review_group = ForeignKeyField(
        ReviewGroup, backref="reports", on_delete="RESTRICT", index=False
    )
    receipt_digest = CharField(max_length=64, unique=True)
    narrative = BytesField(null=True)
    # Which generation of the group's key the narrative is sealed to (key rotation).
    sealed_gen = SmallIntegerField(default=1)
    # Reviewers see a report only from the daily batch after it was filed: no arrival order.
    in_inbox = BooleanField(default=False)
    # Batches since it reached the inbox while still unacknowledged, counted up to the
    # overdue limit and no further, so no row keeps a finer clock than that.
    waiting_batches = SmallIntegerField(default=0)
    referral = CharField(max_length=30, null=True)
    assignee = CharField(max_length=32, null=True)  # a User id
    feedback_given = BooleanField(default=False)
    reporter_replied = BooleanField(default=False)
    closed_on = DateField(null=True)
    purged = BooleanField(default=False)
    # The public half of a key pair derived from the receipt (conversation.py): replies are
    # sealed to it so the reporter reads them with the receipt alone; null until known.
    reply_key = BytesField(null=True)
    # The narrative's data key sealed under a key derived from the receipt and the sealed
    # narrative's nonce (receipts.narrative_copy_key), so the reporter can read their own
    # account with the receipt alone (schema 10); null without a narrative or before then.
    narrative_receipt_key = BytesField(null=True)

    class Meta:
        without_rowid = True

    @classmethod
    def by_receipt_digest(cls, digest: str) -> Report | None:
        return cls.get_or_none(cls.receipt_digest == digest)

    @classmethod
    def insert_row(cls, **values) -> None:
        """Insert one report with its SQL compiled once per database.

        On the filing path peewee's building of the INSERT cost more than SQLite's running
        of it; the statement and field order are the same every time.
        """
        insert(cls, values)


class Message(BaseModel):
    """One message of a report's anonymous conversation, either way.

    The body is sealed to the group's key (``body``) and its data key also wrapped under a
    key derived from the receipt (``receipt_wrapped_key``), so the reporter reads the thread
    with the receipt and nobody else without a reviewer's key. A reporter's message reaches
    reviewers with the next daily batch (``in_inbox``).
    """

    id = CharField(primary_key=True, max_length=32)
    report = ForeignKeyField(Report, backref="messages", on_delete="CASCADE")
    seq = IntegerField()  # order within the report's conversation
    author = CharField(max_length=10)  # reporter or reviewer
    period = CharField(max_length=7)
    body = BytesField(null=True)
    receipt_wrapped_key = BytesField(null=True)
    sealed_gen = SmallIntegerField(default=1)
    in_inbox = BooleanField(default=True)

    class Meta:
        # Keyed by the random id alone: an implicit rowid would count messages as they come.
        without_rowid = True
        indexes = ((("report", "seq"), True),)


class Note(BaseModel):
    """A reviewer's internal note on a report, sealed like a narrative; never shown to staff."""

    id = CharField(primary_key=True, max_length=32)
    report = ForeignKeyField(Report, backref="notes", on_delete="CASCADE")
    seq = IntegerField()
    author = CharField(max_length=80)  # the username when written
    period = CharField(max_length=7)
    body = BytesField(null=True)
    sealed_gen = SmallIntegerField(default=1)

    class Meta:
        without_rowid = True
        indexes = ((("report", "seq"), True),)


class ReportRead(BaseModel):
    """That a reviewer has opened a report (for the unread flag); no time is kept."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    report = ForeignKeyField(Report, on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("user", "report")


class StepAside(BaseModel):
    """A reviewer has stepped aside from a report (a conflict of interest): not in their inbox."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    report = ForeignKeyField(Report, on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("user", "report")


class LegalHold(BaseModel):
    """A hold that stops retention destroying content: one report, or all (report is null)."""

    id = CharField(primary_key=True, max_length=16)
    report = CharField(max_length=32, null=True, index=True)
    reason = TextField()
    created = DateTimeField()
