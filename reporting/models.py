"""peewee models and their named queries. No crypto and no Flask here.

Reports keep the month they were filed in, never a time; their ids are random, and on
SQLite their table is WITHOUT ROWID so the physical order carries no filing sequence.
"""

from __future__ import annotations

from peewee import (
    BlobField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
)

from .db import database


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


ALL_MODELS: tuple[type[BaseModel], ...] = (SchemaVersion, ReviewGroup, Report)
