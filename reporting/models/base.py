"""The models' common ground: the base class, the bytes column, and the database's own rows.

Every model of the package derives from ``BaseModel``, bound to the one proxied database
(db.py); the rows here describe the database itself rather than anyone's work in it.
"""

from __future__ import annotations

from peewee import BlobField, CharField, DateField, IntegerField, Model

from reporting.db import database


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


class Housekeeping(BaseModel):
    """When scheduled work (the daily batch, the purge) last ran: dates, not report times."""

    name = CharField(primary_key=True, max_length=40)
    last_run = DateField()
