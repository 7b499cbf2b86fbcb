"""One-time pulse codes: printed per unit (or sent by invitation), stored only as digests.

A code is 12 symbols of the receipts' alphabet (60 bits), grouped in fours. Only an HMAC
of it under the instance pepper and the wave's id is stored, so the database alone can
neither list nor test codes; the row is deleted when the code is exchanged for a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from reporting.db import database
from reporting.models import PulseCode
from reporting.privacy.receipts import ALPHABET, format_receipt, normalise_symbols
from reporting.pulse.waves import WaveError, get_wave, invited

LENGTH = 12
MAX_PER_CALL = 5000
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(LENGTH * 5 // 8 + 1)).decode("ascii")
    return format_receipt(raw[:LENGTH].translate(_FROM_BASE32))


def normalise(text: str) -> str | None:
    return normalise_symbols(text, LENGTH)


def code_digest(wave_id: str, code: str, pepper: bytes) -> str:
    message = b"pulse-code:" + wave_id.encode("ascii") + b":" + code.encode("ascii")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def issue_codes(wave_id: str, unit: str, count: int, *, pepper: bytes) -> list[str]:
    """``count`` new codes for one unit of an open wave; they are returned once, to print."""
    if not 1 <= count <= MAX_PER_CALL:
        raise WaveError(f"issue between 1 and {MAX_PER_CALL} codes at a time, not {count}")
    with database.atomic():
        wave = get_wave(wave_id)
        if wave.status != "open":
            raise WaveError(f"wave {wave_id} is {wave.status}: no more codes can be issued")
        codes = [new_code() for _ in range(count)]
        rows = [
            {"digest": code_digest(wave_id, normalise(c), pepper), "wave": wave_id} for c in codes
        ]
        for start in range(0, len(rows), 500):
            PulseCode.insert_many(rows[start : start + 500]).execute()
        counts = invited(wave)
        counts[unit] = counts.get(unit, 0) + count
        wave.invited = json.dumps(counts, sort_keys=True)
        wave.save()
    return codes
