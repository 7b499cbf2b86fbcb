"""Pulse waves: the lifecycle, codes burnt at exchange, tokens spent at submission, and the
unlinkability of what is stored (a response cannot be matched to the code that obtained it
better than by chance), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random

import pytest

from reporting.db import database
from reporting.models import PulseCode, PulseResponse, PulseSpentToken, PulseWave
from reporting.privacy import blind_rsa
from reporting.pulse import instruments
from reporting.pulse.codes import issue_codes
from reporting.pulse.responses import (
    ALREADY_ANSWERED,
    CODE_REFUSED,
    Token,
    assisted_token,
    exchange,
    submit,
)
from reporting.pulse.waves import WaveError, close_wave, list_waves, open_wave, public_key
from reporting.taxonomy import ROLES

OPENS, CLOSES = dt.date(2026, 11, 2), dt.date(2026, 11, 20)
TODAY = dt.date(2026, 11, 10)
ALL_AGREE = {f"ps{i}": 6 for i in range(1, 8)}


@pytest.fixture
def ctx(app):
    with app.app_context(), database.connection_context():
        found = app.extensions["reporting"]
        yield found.pepper, sorted(found.require_taxonomy().units)


def _answer(wave, token, units, unit=None, answers=ALL_AGREE):
    submit(
        wave,
        token,
        unit=unit or units[0],
        role="nursing",
        answers=answers,
        units=units,
        roles=ROLES,
        today=TODAY,
    )


def test_the_instrument_scores_reversed_items_and_bands(ctx):
    ps = instruments.load("psych-safety-7")
    assert (ps.version, len(ps.items)) == (1, 7)
    assert [i.id for i in ps.items if i.reverse] == ["ps1", "ps3", "ps5"]
    assert ps.band("ps2", 6) == instruments.FAVOURABLE
    assert ps.band("ps1", 6) == instruments.UNFAVOURABLE  # "held against you": agreeing is bad
    assert ps.band("ps1", 2) == instruments.FAVOURABLE
    assert ps.band("ps4", 4) == instruments.NEUTRAL
    with pytest.raises(instruments.InstrumentError):
        ps.band("ps4", 8)
    with pytest.raises(instruments.InstrumentError, match="available: psych-safety-7"):
        instruments.load("no-such-survey")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_the_wave_lifecycle_code_token_response(backend, ctx):
    pepper, units = ctx
    wave = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    with pytest.raises(WaveError, match="already open"):
        open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    codes = issue_codes(wave, units[0], 3, pepper=pepper)
    assert len(set(codes)) == 3 and PulseCode.select().count() == 3
    token = assisted_token(wave, codes[0].lower(), pepper=pepper, today=TODAY)
    assert PulseCode.select().count() == 2  # burnt at exchange
    with pytest.raises(WaveError, match="already been used"):
        assisted_token(wave, codes[0], pepper=pepper, today=TODAY)
    _answer(wave, token, units)
    with pytest.raises(WaveError) as refused:
        _answer(wave, token, units)
    assert str(refused.value) == ALREADY_ANSWERED
    assert PulseResponse.select().count() == 1 and PulseSpentToken.select().count() == 1
    (summary,) = list_waves()
    assert (summary.status, summary.invited, summary.responses) == ("open", 3, 1)
    assert close_wave(wave) == 2  # the unused codes go
    with pytest.raises(WaveError, match="closed"):
        assisted_token(wave, codes[1], pepper=pepper, today=TODAY)
    assert PulseWave.get_by_id(wave).status == "closed"


def test_dates_and_bad_answers_are_refused_in_plain_words_and_lose_nothing(ctx):
    pepper, units = ctx
    with pytest.raises(WaveError, match="before it opens"):
        open_wave("psych-safety-7", CLOSES, OPENS, pepper=pepper)
    with pytest.raises(WaveError, match="at most 92 days"):
        open_wave("psych-safety-7", OPENS, OPENS + dt.timedelta(days=200), pepper=pepper)
    wave = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    (code,) = issue_codes(wave, units[0], 1, pepper=pepper)
    with pytest.raises(WaveError, match="opens on 02 November 2026"):
        assisted_token(wave, code, pepper=pepper, today=OPENS - dt.timedelta(days=1))
    assert PulseCode.select().count() == 1  # not burnt
    with pytest.raises(WaveError) as wrong:
        assisted_token(wave, "AAAA-BBBB-CCCC", pepper=pepper, today=TODAY)
    assert str(wrong.value) == CODE_REFUSED
    token = assisted_token(wave, code, pepper=pepper, today=TODAY)
    with pytest.raises(WaveError, match="answer every statement"):
        _answer(wave, token, units, answers={"ps1": 3})
    with pytest.raises(WaveError, match="unit"):
        _answer(wave, token, units, unit="no-such-ward")
    forged = Token(token.message, bytes(len(token.signature)))
    with pytest.raises(WaveError, match="not issued for this survey"):
        _answer(wave, forged, units)
    assert PulseResponse.select().count() == 0
    _answer(wave, token, units, unit="prefer-not")  # the token was never spent by the refusals
    assert PulseResponse.get().unit == "prefer-not"


def test_a_token_from_one_wave_does_not_answer_another(ctx):
    pepper, units = ctx
    first = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    (code,) = issue_codes(first, units[0], 1, pepper=pepper)
    token = assisted_token(first, code, pepper=pepper, today=TODAY)
    close_wave(first)
    second = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    with pytest.raises(WaveError, match="not issued for this survey"):
        _answer(second, token, units)


def _exchange_and_answer(wave, codes, units, pepper, *, r=None):
    """Each person blinds a token (as a browser with JavaScript does), exchanges their code
    and answers at once: the order most favourable to an attacker."""
    key = public_key(PulseWave.get_by_id(wave))
    logged, tokens = [], []
    for person, code in enumerate(codes):
        blinded = blind_rsa.blind(key, blind_rsa.prepare(random.randbytes(32)), r=r)
        blind_sig = exchange(wave, code, blinded.blinded, pepper=pepper, today=TODAY)
        logged.append((blinded.blinded, blind_sig))  # all the server ever sees at exchange
        token = Token(blinded.prepared, blind_rsa.finalize(key, blinded, blind_sig))
        tokens.append(token)
        _answer(wave, token, units, answers={f"ps{i}": 1 + person % 7 for i in range(1, 8)})
    return key, logged, tokens


def _linked_pairs(key, logged, tokens) -> set[tuple[int, int]]:
    """The (exchange, token) pairs an attacker who logged every exchange can link: the
    blind signature is the token's signature, or the blinded value its encoded message.
    Blinded, every pair stays possible instead: exchange i and token j are consistent
    through r = blind_sig_i / sig_j, a valid blinding factor for every i and j."""
    n, e = key.public_numbers().n, key.public_numbers().e
    linked = set()
    for i, (blinded, blind_sig) in enumerate(logged):
        for j, token in enumerate(tokens):
            s = int.from_bytes(token.signature, "big")
            if blind_sig == token.signature or int.from_bytes(blinded, "big") == pow(s, e, n):
                linked.add((i, j))
            r = (int.from_bytes(blind_sig, "big") * pow(s, -1, n)) % n
            assert math.gcd(r, n) == 1  # the factor that would explain this pairing exists
    return linked


def test_stored_data_cannot_match_responses_to_codes_better_than_chance(ctx):
    """After exchange and submission nothing stored links a response to its code: code
    rows are gone and no stored value comes from an exchange. Even an attacker who logged
    every exchange links none of them: each exchange is consistent with every token, so
    the best matching is a random one; without blinding (r = 1, the control) the same
    attack links every pair."""
    pepper, units = ctx
    wave = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    codes = issue_codes(wave, units[0], 12, pepper=pepper)
    key, logged, tokens = _exchange_and_answer(wave, codes, units, pepper)
    assert PulseCode.select().count() == 0
    stored = [json.dumps(r, default=str) for r in PulseResponse.select().dicts()]
    stored += [s.digest for s in PulseSpentToken.select()]
    for blinded, blind_sig in logged:
        assert not any(blinded.hex()[:32] in row or blind_sig.hex()[:32] in row for row in stored)
    assert _linked_pairs(key, logged, tokens) == set()

    close_wave(wave)
    control = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    codes = issue_codes(control, units[0], 12, pepper=pepper)
    key, logged, tokens = _exchange_and_answer(control, codes, units, pepper, r=1)
    assert _linked_pairs(key, logged, tokens) == {(i, i) for i in range(len(codes))}


def test_the_cli_opens_issues_codes_as_csv_lists_and_closes(app, runner, tmp_path):
    result = runner.invoke(
        args=[
            "pulse",
            "open",
            "--instrument",
            "psych-safety-7",
            "--from",
            "2026-11-02",
            "--until",
            "2026-11-20",
        ]
    )
    assert result.exit_code == 0, result.output
    wave = result.output.split()[2]
    with app.app_context():
        unit = sorted(app.extensions["reporting"].require_taxonomy().units)[0]
    out = tmp_path / "codes.csv"
    result = runner.invoke(
        args=["pulse", "codes", "--wave", wave, "--unit", unit, "--count", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 5 and {r["unit"] for r in rows} == {unit}
    result = runner.invoke(
        args=["pulse", "codes", "--wave", wave, "--unit", "nowhere", "--count", "5"]
    )
    assert result.exit_code != 0 and "no unit 'nowhere'" in result.output
    result = runner.invoke(args=["pulse", "list"])
    assert wave in result.output and "\topen\t5\t0" in result.output
    result = runner.invoke(args=["pulse", "close", wave])
    assert result.exit_code == 0 and "5 unused codes deleted" in result.output
    result = runner.invoke(args=["pulse", "close", wave])
    assert result.exit_code != 0 and "already closed" in result.output
    result = runner.invoke(
        args=[
            "pulse",
            "open",
            "--instrument",
            "nope",
            "--from",
            "2026-11-02",
            "--until",
            "2026-11-20",
        ]
    )
    assert result.exit_code != 0 and "no instrument 'nope'" in result.output


def test_a_comment_is_sealed_to_reviewers_and_only_where_the_instrument_takes_one(app, ctx):
    from reporting.models import ReviewGroup
    from reporting.pulse.responses import comment_context

    pepper, units = ctx
    wave = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
    (code,) = issue_codes(wave, units[0], 1, pepper=pepper)
    token = assisted_token(wave, code, pepper=pepper, today=TODAY)
    with pytest.raises(WaveError, match="at most 2000"):
        submit(wave, token, unit=units[0], role="nursing", answers=ALL_AGREE, units=units,
               roles=ROLES, today=TODAY, comment="x" * 2001)  # fmt: skip
    submit(wave, token, unit=units[0], role="nursing", answers=ALL_AGREE, units=units,
           roles=ROLES, today=TODAY, comment="Handover on nights is rushed.")  # fmt: skip
    row = PulseResponse.get()
    assert b"Handover" not in bytes(row.comment)
    assert row.sealed_gen == ReviewGroup.default().key_gen
    assert comment_context(row.id).startswith(b"pulse-response:")
