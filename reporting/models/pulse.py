"""The pulse survey's models: waves, unused codes, spent tokens and responses.

Nothing here links a response to a code: a code row is deleted when it is exchanged, a
spent token row holds only a digest of the token, and responses are keyed by random ids
(WITHOUT ROWID on SQLite, like reports) and carry no time finer than their wave.
"""

from __future__ import annotations

from peewee import CharField, DateField, ForeignKeyField, IntegerField, TextField

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
