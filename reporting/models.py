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
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from .db import database

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
    """A review group's key pair; the private key is stored only wrapped."""

    name = CharField(primary_key=True, max_length=40)
    public_key = BytesField()
    recovery_wrapped_private_key = BytesField()

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


ALL_MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion,
    ReviewGroup,
    Report,
    User,
    ApiToken,
    Release,
    ReleasedCell,
)
