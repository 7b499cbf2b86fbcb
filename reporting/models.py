"""peewee models and their named queries. No crypto and no Flask here.

Reports keep the month they were filed in, never a time; their ids are random, and on
SQLite their table is WITHOUT ROWID so the physical order carries no filing sequence.
"""

from __future__ import annotations

import weakref

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from reporting.db import database

# Compiled INSERT statements, per database object (SQLite and PostgreSQL differ).
_INSERT_SQL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class BytesField(BlobField):
    """A blob that reads back as ``bytes`` on every backend (psycopg2 gives memoryview)."""

    def python_value(self, value):
        return None if value is None else bytes(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row: the schema version `reporting init` last brought the database to."""

    id = IntegerField(primary_key=True)
    version = IntegerField()


class ReviewGroup(BaseModel):
    """A review group's key pair; the private key is stored only wrapped.

    The recovery copy of the private key is, by ``recovery_scheme``: 1, wrapped under a key
    derived from the recovery secret (instances made before groups could be added); 2,
    sealed to the recovery key's public half, so adding a group or rotating a key needs no
    recovery secret, only opening does. ``key_gen`` counts rotations; while one runs,
    ``next_public_key`` holds the new pair's public key (its private key sealed to the
    recovery key and to every member in ``Membership`` rows of generation ``key_gen + 1``).
    At the switch the new pair becomes current, the old recovery copy moves to
    ``previous_*`` and ``switched`` records when, until every item is re-wrapped
    (rotation.py).
    """

    name = CharField(primary_key=True, max_length=40)
    public_key = BytesField()
    recovery_wrapped_private_key = BytesField()
    recovery_scheme = SmallIntegerField(default=2)
    recovery_public_key = BytesField(null=True)
    key_gen = IntegerField(default=1)
    next_public_key = BytesField(null=True)
    next_recovery_wrapped = BytesField(null=True)
    # After the switch, until the rotation ends: the previous generation's recovery copy.
    previous_recovery_wrapped = BytesField(null=True)
    previous_recovery_scheme = SmallIntegerField(null=True)
    switched = DateTimeField(null=True)

    @classmethod
    def default(cls) -> ReviewGroup:
        return cls.get_by_id("default")


class Report(BaseModel):
    """One anonymous report: coded fields, the month, and the sealed narrative."""

    id = CharField(primary_key=True, max_length=32)
    period = CharField(max_length=7, index=True)
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
    review_group = ForeignKeyField(ReviewGroup, backref="reports", on_delete="RESTRICT")
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

    class Meta:
        without_rowid = True
        indexes = ((("period", "kind", "category", "unit"), False),)

    @classmethod
    def by_receipt_digest(cls, digest: str) -> Report | None:
        return cls.get_or_none(cls.receipt_digest == digest)

    @classmethod
    def insert_row(cls, **values) -> None:
        """Insert one report with its SQL compiled once per database.

        On the filing path peewee's building of the INSERT cost more than SQLite's running
        of it; the statement and field order are the same every time.
        """
        db = cls._meta.database.obj
        fields = cls._meta.sorted_fields
        sql = _INSERT_SQL.get(db)
        if sql is None:
            sql = cls.insert({f: None for f in fields}).sql()[0]
            _INSERT_SQL[db] = sql
        params = [f.db_value(values.get(f.name, f.default)) for f in fields]
        db.execute_sql(sql, params)


class User(BaseModel):
    """A staff account (leadership, reviewer, admin); reporters never have one."""

    id = CharField(primary_key=True, max_length=32)
    username = CharField(unique=True, max_length=80)
    password_hash = CharField(max_length=200)
    roles = CharField(max_length=100)  # comma-separated: leadership, reviewer, admin
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    active = BooleanField(default=True)
    # A reviewer's own key pair: review groups' private keys are sealed to its public key,
    # and its private key is stored only wrapped under a key derived from the password.
    public_key = BytesField(null=True)
    wrapped_private_key = BytesField(null=True)
    key_salt = BytesField(null=True)
    # TOTP second factor (RFC 6238): the shared secret, and the last time step accepted so
    # a code is never accepted twice.
    totp_secret = CharField(max_length=64, null=True)
    totp_last_step = IntegerField(null=True)

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}

    @classmethod
    def by_username(cls, username: str) -> User | None:
        return cls.get_or_none(cls.username == username)


class ApiToken(BaseModel):
    """A leadership bearer token: only its SHA-256 is kept; it is printed once."""

    id = CharField(primary_key=True, max_length=16)
    name = CharField(max_length=80)
    token_hash = CharField(unique=True, max_length=64)
    scope = CharField(max_length=20, default="leadership")
    created = DateTimeField()
    revoked = DateTimeField(null=True)


class Release(BaseModel):
    """One closed month's frozen tables: built once, never changed."""

    month = CharField(primary_key=True, max_length=7)
    threshold = SmallIntegerField()
    minimum_headcount = SmallIntegerField()
    mapping = TextField()  # JSON: unit -> [department, publishable], fixed for the year
    cells_published = IntegerField()
    cells_hidden = IntegerField()
    hidden_at_least_k = IntegerField()
    built = DateTimeField()
    # The month's true cell counts (what COUNT over its reports gives, nothing more), kept so
    # the year's later releases need not read the month's reports again.
    month_cells = TextField(null=True)

    @classmethod
    def latest(cls) -> Release | None:
        return cls.select().order_by(cls.month.desc()).first()


class ReleasedCell(BaseModel):
    """A published (value) or hidden (null) cell of a release; every answer is a lookup."""

    release = ForeignKeyField(Release, backref="cells", on_delete="RESTRICT")
    period = CharField(max_length=7)  # 2026-03, 2026-Q1 or 2026
    org = CharField(max_length=70)  # *, d:<department> or u:<unit>
    kind = CharField(max_length=20)
    category = CharField(max_length=60)
    role = CharField(max_length=20)
    severity = CharField(max_length=10)
    value = IntegerField(null=True)

    class Meta:
        primary_key = CompositeKey("period", "org", "kind", "category", "role", "severity")


class Membership(BaseModel):
    """A reviewer's copy of one generation of a group's private key, sealed to their key."""

    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    group = ForeignKeyField(ReviewGroup, backref="memberships", on_delete="CASCADE")
    key_gen = IntegerField()
    sealed_private_key = BytesField()

    class Meta:
        primary_key = CompositeKey("user", "group", "key_gen")


class StaffKeySession(BaseModel):
    """A logged-in reviewer's private key, encrypted under a secret only their cookie holds.

    Every worker and app instance can use it while the session lives; the database alone
    cannot. Logout deletes the row; idle expiry makes the row unusable and housekeeping
    deletes it.
    """

    id = CharField(primary_key=True, max_length=32)
    user = ForeignKeyField(User, backref="key_sessions", on_delete="CASCADE")
    encrypted_private_key = BytesField()
    last_used = DateTimeField()


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


class ActionSummary(BaseModel):
    """ "You said, we did": what changed for a category in a quarter, published to all staff."""

    id = CharField(primary_key=True, max_length=16)
    kind = CharField(max_length=20)
    category = CharField(max_length=40)
    quarter = CharField(max_length=7)  # 2026-Q1
    text = TextField()
    published = CharField(max_length=7)  # the month it was published


class AuditEntry(BaseModel):
    """One privileged action, chained to the one before by a keyed hash (audit.py)."""

    seq = IntegerField(primary_key=True)
    at = DateTimeField()
    actor = CharField(max_length=80)
    action = CharField(max_length=40)
    object = CharField(max_length=120)
    detail = TextField()
    digest = CharField(max_length=64)


class Housekeeping(BaseModel):
    """When scheduled work (the daily batch, the purge) last ran: dates, not report times."""

    name = CharField(primary_key=True, max_length=40)
    last_run = DateField()


ALL_MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion,
    ReviewGroup,
    Report,
    User,
    ApiToken,
    Release,
    ReleasedCell,
    Membership,
    StaffKeySession,
    Message,
    Note,
    ReportRead,
    StepAside,
    LegalHold,
    ActionSummary,
    AuditEntry,
    Housekeeping,
)
