"""A wave's life: opened for an instrument and dates, closed, later released.

Opening a wave makes its RSA key for blind tokens; the private key is stored wrapped under
a key derived from the instance pepper, which lives in secrets.json, outside the database,
so a copy of the database alone cannot mint tokens. Closing refuses further exchanges and
responses and deletes the unused codes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reporting.db import database
from reporting.models import PulseCode, PulseResponse, PulseWave
from reporting.models.prepared import get_by_key
from reporting.privacy import blind_rsa, crypto
from reporting.pulse import instruments

MAX_DAYS = 92  # a pulse is short; a quarter at most


class WaveError(Exception):
    """A wave cannot be opened, closed or answered as asked; the message says why."""


@dataclass(frozen=True)
class WaveSummary:
    id: str
    instrument: str
    version: int
    opens: dt.date
    closes: dt.date
    status: str
    invited: int
    responses: int


def _key_context(wave_id: str) -> bytes:
    return b"pulse-wave:" + wave_id.encode("ascii") + b":signing-key"


def open_wave(instrument_id: str, opens: dt.date, closes: dt.date, *, pepper: bytes) -> str:
    """Open a wave of the latest version of an instrument; returns its id."""
    instrument = instruments.load(instrument_id)
    if closes < opens:
        raise WaveError(f"the wave would close ({closes}) before it opens ({opens})")
    if (closes - opens).days > MAX_DAYS:
        raise WaveError(
            f"a wave runs at most {MAX_DAYS} days; this one runs {(closes - opens).days}"
        )
    with database.atomic():
        overlapping = PulseWave.select().where(
            (PulseWave.instrument == instrument.id)
            & (PulseWave.status == "open")
            & (PulseWave.opens <= closes)
            & (PulseWave.closes >= opens)
        )
        if overlapping.exists():
            clash = overlapping.get().id
            raise WaveError(f"a wave of {instrument.id} is already open over these dates ({clash})")
        key = blind_rsa.generate_key()
        wave_id = secrets.token_hex(16)
        private = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        PulseWave.create(
            id=wave_id,
            instrument=instrument.id,
            instrument_version=instrument.version,
            opens=opens,
            closes=closes,
            status="open",
            public_key=key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            sealed_private_key=crypto.wrap_private_key(private, pepper, _key_context(wave_id)),
        )
    return wave_id


def get_wave(wave_id: str) -> PulseWave:
    wave = get_by_key(PulseWave, wave_id)
    if wave is None:
        raise WaveError(f"no pulse wave {wave_id!r}")
    return wave


def answering(wave_id: str, today: dt.date) -> PulseWave:
    """The wave if it takes exchanges and responses today, else a WaveError in plain words."""
    wave = get_wave(wave_id)
    if wave.status != "open" or today > wave.closes:
        raise WaveError("this survey has closed")
    if today < wave.opens:
        raise WaveError(f"this survey opens on {wave.opens:%d %B %Y}")
    return wave


def close_wave(wave_id: str) -> int:
    """Close a wave: no more exchanges or responses; unused codes are deleted (how many)."""
    with database.atomic():
        wave = get_wave(wave_id)
        if wave.status != "open":
            raise WaveError(f"wave {wave_id} is already {wave.status}")
        wave.status = "closed"
        wave.save()
        return PulseCode.delete().where(PulseCode.wave == wave_id).execute()


def public_key(wave: PulseWave) -> rsa.RSAPublicKey:
    return _load_public(bytes(wave.public_key))


def private_key(wave: PulseWave, pepper: bytes) -> rsa.RSAPrivateKey:
    return _load_private(wave.id, bytes(wave.sealed_private_key), pepper)


# Loading checks the key (about 50 ms for the private one); every exchange signs with it,
# so the loaded keys are kept by their exact stored bytes.
@functools.lru_cache(maxsize=8)
def _load_public(der: bytes) -> rsa.RSAPublicKey:
    return serialization.load_der_public_key(der)


@functools.lru_cache(maxsize=8)
def _load_private(wave_id: str, sealed: bytes, pepper: bytes) -> rsa.RSAPrivateKey:
    der = crypto.unwrap_private_key(sealed, pepper, _key_context(wave_id))
    return serialization.load_der_private_key(der, password=None)


def invited(wave: PulseWave) -> dict[str, int]:
    return json.loads(wave.invited or "{}")


def list_waves() -> list[WaveSummary]:
    summaries = []
    for wave in PulseWave.select().order_by(PulseWave.opens, PulseWave.id):
        count = PulseResponse.select().where(PulseResponse.wave == wave.id).count()
        summaries.append(
            WaveSummary(
                wave.id,
                wave.instrument,
                wave.instrument_version,
                wave.opens,
                wave.closes,
                wave.status,
                sum(invited(wave).values()),
                count,
            )
        )
    return summaries
