"""Code for token, token for response: one response per code, unlinkable to it.

1. ``exchange``: an unused code and a *blinded* token message in; the code's row deleted
   and the wave key's blind signature out (a failure burns nothing, and of two requests
   with one code only the one that deletes its row gets the signature).
2. ``submit``: the token message, its signature and the answers in; the signature checked
   under the wave's public key, the token's digest stored as spent and the response
   stored, in one transaction. A token already spent is refused in plain words.

The server sees the blinded value at exchange and the token at submission; RSA blinding
makes the two independent (RFC 9474 section 7.3), and neither is stored beside a code.
Both writes leave no time in the database files, as filings do (`write_traces`), and the
daily batch rewrites responses and spent tokens in the order of their random keys.

A browser without JavaScript cannot blind, so ``assisted_token`` does the respondent's
side in the server's memory in the same request (prepare, blind, exchange, finalise) and
returns the token for the answer form. What is stored is the same as with blinding in the
browser, so the stored data stays unlinkable; what such a respondent relies on is that the
server process does not record the token it handed out, as it relies on it not recording
IP addresses (docs/pulse.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from peewee import IntegrityError

from reporting.db import database
from reporting.models import PulseCode, PulseResponse, PulseSpentToken
from reporting.models.prepared import get_by_key
from reporting.models.prepared import insert as insert_row
from reporting.models.prepared import run as run_prepared
from reporting.privacy import blind_rsa, crypto
from reporting.pulse import instruments
from reporting.pulse.codes import code_digest, normalise
from reporting.pulse.waves import WaveError, answering, private_key, public_key
from reporting.reports import sealing_key
from reporting.write_traces import one_writer, reporter_write

PREFER_NOT = "prefer-not"
MAX_COMMENT = 2000
CODE_REFUSED = (
    "This code has already been used, or was not issued for this survey. Each code answers "
    "once; ask whoever gave it to you for another."
)
ALREADY_ANSWERED = "This survey has already been answered with this token: nothing was changed."


class AlreadyAnswered(WaveError):
    """The token was spent by an earlier response; nothing was stored."""


@dataclass(frozen=True)
class Token:
    """What the respondent holds between exchange and submission."""

    message: bytes  # the prepared (prefixed) token message
    signature: bytes


def exchange(
    wave_id: str, code_text: str, blinded: bytes, *, pepper: bytes, today: dt.date
) -> bytes:
    """Burn the code and blind-sign the blinded token; returns the blind signature."""
    wave = answering(wave_id, today)
    code = normalise(code_text)
    if code is None:
        raise WaveError(CODE_REFUSED)
    digest = code_digest(wave.id, code, pepper)
    if get_by_key(PulseCode, digest) is None:
        raise WaveError(CODE_REFUSED)
    # Signed before the write, outside the writers' turn (2 ms of CPU); handed out only
    # if this request is the one that deletes the code.
    try:
        blind_sig = blind_rsa.blind_sign(private_key(wave, pepper), blinded)
    except blind_rsa.BlindSignatureError as exc:
        raise WaveError(f"the token could not be signed ({exc}): the code is still valid") from exc
    with reporter_write(), one_writer(), database.atomic():
        deleted = run_prepared(
            "pulse-burn-code",
            lambda: PulseCode.delete().where((PulseCode.digest == "") & (PulseCode.wave == "")),
            (digest, wave.id),
        )
        if deleted.rowcount != 1:
            raise WaveError(CODE_REFUSED)  # used by a request that came at the same moment
    return blind_sig


def assisted_token(wave_id: str, code_text: str, *, pepper: bytes, today: dt.date) -> Token:
    """The respondent's side done in memory for a browser without JavaScript (see above)."""
    wave = answering(wave_id, today)
    key = public_key(wave)
    blinded = blind_rsa.blind(key, blind_rsa.prepare(secrets.token_bytes(32)))
    blind_sig = exchange(wave_id, code_text, blinded.blinded, pepper=pepper, today=today)
    return Token(blinded.prepared, blind_rsa.finalize(key, blinded, blind_sig))


def comment_context(response_id: str) -> bytes:
    """Associated data binding a sealed comment to its response."""
    return b"pulse-response:" + response_id.encode("ascii") + b":comment"


def token_digest(message: bytes) -> str:
    return hashlib.sha256(b"pulse-token:" + message).hexdigest()


def submit(
    wave_id: str,
    token: Token,
    *,
    unit: str,
    role: str,
    answers: Mapping[str, int],
    optional: Mapping[str, str] | None = None,
    units: Iterable[str],
    roles: Iterable[str],
    today: dt.date,
    comment: str = "",
) -> None:
    """Store one response for a valid, unspent token; WaveError in plain words otherwise.

    ``comment`` must already be scrubbed (and shown back to the respondent, as narratives
    are); it is sealed here to the default review group's key, like a narrative."""
    wave = answering(wave_id, today)
    if not blind_rsa.verify(public_key(wave), token.message, token.signature):
        raise WaveError("this answer form was not issued for this survey: start again with a code")
    instrument = instruments.load(wave.instrument, wave.instrument_version)
    checked = check_answers(instrument, answers, optional or {})
    if unit != PREFER_NOT and unit not in set(units):
        raise WaveError("choose your unit from the list, or 'Prefer not to say'")
    if role not in set(roles):
        raise WaveError("choose your staff group from the list")
    if comment and not instrument.comment:
        raise WaveError("this survey takes no comment")
    if len(comment) > MAX_COMMENT:
        raise WaveError(f"the comment is {len(comment)} characters; at most {MAX_COMMENT}")
    response_id = secrets.token_hex(16)
    sealed, gen = None, None
    if comment:
        key = sealing_key("default")
        sealed, gen = (
            crypto.seal(comment.encode("utf-8"), key.public, comment_context(response_id)),
            key.gen,
        )
    try:
        with reporter_write(), one_writer(), database.atomic():
            insert_row(PulseSpentToken, {"digest": token_digest(token.message), "wave": wave.id})
            insert_row(
                PulseResponse,
                {
                    "id": response_id,
                    "wave": wave.id,
                    "unit": unit,
                    "role": role,
                    "answers": json.dumps(checked[0], sort_keys=True),
                    "optional_answers": json.dumps(checked[1], sort_keys=True),
                    "comment": sealed,
                    "sealed_gen": gen,
                },
            )
    except IntegrityError as exc:
        raise AlreadyAnswered(ALREADY_ANSWERED) from exc


def check_answers(
    instrument: instruments.Instrument, answers: Mapping[str, int], optional: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Every item answered on the scale; optional questions only with one of their choices."""
    items: dict[str, int] = {}
    missing = []
    for item in instrument.items:
        value = answers.get(item.id)
        try:
            number = int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            number = None
        if number is None or not instrument.scale_min <= number <= instrument.scale_max:
            missing.append(item.id)
        else:
            items[item.id] = number
    if missing:
        raise WaveError(
            f"please answer every statement ({len(missing)} not answered): nothing was stored"
        )
    chosen: dict[str, str] = {}
    for question in instrument.optional:
        value = optional.get(question.id)
        if value in (None, ""):
            continue
        if value not in question.choices:
            raise WaveError(f"'{value}' is not one of the answers to an optional question")
        chosen[question.id] = value
    return items, chosen
