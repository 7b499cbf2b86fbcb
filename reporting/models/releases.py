"""What is published from the reports: frozen monthly releases and "you said, we did".

A release is built once from closed months and never changed; every answer the dashboard
and the API give is a lookup of its cells, never a count over reports.
"""

from __future__ import annotations

from peewee import (
    CharField,
    CompositeKey,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from reporting.models.base import BaseModel


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


class ActionSummary(BaseModel):
    """ "You said, we did": what changed for a category in a quarter, published to all staff."""

    id = CharField(primary_key=True, max_length=16)
    kind = CharField(max_length=20)
    category = CharField(max_length=40)
    quarter = CharField(max_length=7)  # 2026-Q1
    text = TextField()
    published = CharField(max_length=7)  # the month it was published
