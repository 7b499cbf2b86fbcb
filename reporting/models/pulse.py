"""The pulse survey's models: waves, unused codes, spent tokens and responses.

Nothing here links a response to a code: a code row is deleted when it is exchanged, a
spent token row holds only a digest of the token, and responses are keyed by random ids
(WITHOUT ROWID on SQLite, like reports) and carry no time finer than their wave.
"""

from __future__ import annotations

from peewee import CharField, CompositeKey, DateField, ForeignKeyField, IntegerField, TextField

from reporting.models.base import BaseModel, BytesField


class PulseWave(BaseModel):
    """One wave of one instrument: open between two dates, then closed, then released.

    ``public_key`` is the wave's RSA key for blind tokens (DER); its private half is stored
    only encrypted under a key derived from the instance pepper (``sealed_private_key``).
    ``invited`` counts the codes issued per unit (JSON), the denominator of response rates.
    """

    id = CharField(primary_key=True, max_length=32)
    instrument = CharField(max_length=60)
    instrument_version = IntegerField()
    opens = DateField()
    closes = DateField()
    status = CharField(max_length=12, default="open")  # open, closed, released
    public_key = BytesField()
    sealed_private_key = BytesField()
    invited = TextField(default="{}")


class PulseCode(BaseModel):
    """An unused one-time code, stored only as its peppered digest; deleted when used."""

    digest = CharField(primary_key=True, max_length=64)
    wave = ForeignKeyField(PulseWave, backref="codes", on_delete="CASCADE")

    class Meta:
        without_rowid = True


class PulseSpentToken(BaseModel):
    """A token already answered with: the SHA-256 of its message, so it answers once."""

    digest = CharField(primary_key=True, max_length=64)
    wave = ForeignKeyField(PulseWave, backref="spent", on_delete="CASCADE")

    class Meta:
        without_rowid = True


class PulseResponse(BaseModel):
    """One response: the unit and staff group the respondent chose, the answers by item
    (JSON), the optional questions, and a comment sealed to reviewers like a narrative."""

    id = CharField(primary_key=True, max_length=32)
    wave = ForeignKeyField(PulseWave, backref="responses", on_delete="CASCADE")
    unit = CharField(max_length=80)  # a unit's code, or "prefer-not"
    role = CharField(max_length=20)
    answers = TextField()
    optional_answers = TextField(default="{}")
    comment = BytesField(null=True)
    sealed_gen = IntegerField(null=True)

    class Meta:
        without_rowid = True


class PulseRelease(BaseModel):
    """A closed wave's frozen tables: built once, never changed (like a month's release)."""

    wave = ForeignKeyField(PulseWave, primary_key=True, backref="release", on_delete="RESTRICT")
    threshold = IntegerField()
    min_response_rate = TextField()  # as written in the config, e.g. "0.3"
    included_units = TextField()  # JSON list: units that reached the response-rate floor
    left_out_respondents = IntegerField()
    cells_published = IntegerField()
    cells_hidden = IntegerField()
    hidden_at_least_k = IntegerField()
    built = DateField()


class PulseReleasedCell(BaseModel):
    """A published (value) or hidden (null) cell of a wave's release."""

    release = ForeignKeyField(PulseRelease, backref="cells", on_delete="RESTRICT")
    org = CharField(max_length=90)  # *, d:<department> or u:<unit>
    role = CharField(max_length=20)
    measure = CharField(max_length=40)
    band = CharField(max_length=14)
    value = IntegerField(null=True)

    class Meta:
        primary_key = CompositeKey("release", "org", "role", "measure", "band")
