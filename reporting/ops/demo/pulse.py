"""The demo's two released pulse waves, one department improving after an intervention.

Synthetic respondents are stored directly, as the demo's reports are (no codes are handed
out to anyone, so no token is exchanged): each unit gets codes for its headcount, answers
at a rate drawn per unit (a few below the response floor), and answers around a mood of its
department; the first department moves from unsafe to fairly safe between the waves.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets

from reporting.db import database
from reporting.models import PulseResponse, PulseWave
from reporting.pulse import instruments
from reporting.pulse.codes import issue_codes
from reporting.pulse.waves import open_wave
from reporting.releases.pulse_release import PulseReleaseSummary, release_wave
from reporting.taxonomy import ROLES, Taxonomy

INSTRUMENT = "psych-safety-7"
ROLE_WEIGHTS = [6, 3, 2, 2, 1, 1]


def two_waves(
    taxonomy: Taxonomy, *, pepper: bytes, today: dt.date, threshold: int, min_rate: float,
    seed: int,
) -> list[PulseReleaseSummary]:  # fmt: skip
    """Open, answer, close and release two waves ending before ``today``."""
    rng = random.Random(seed)
    instrument = instruments.load(INSTRUMENT)
    departments = {u: unit.department for u, unit in taxonomy.units.items() if not unit.retired}
    improving = sorted(set(departments.values()))[0]
    released = []
    for number, (start, end) in enumerate(((150, 130), (60, 40))):
        opens, closes = today - dt.timedelta(days=start), today - dt.timedelta(days=end)
        wave = open_wave(INSTRUMENT, opens, closes, pepper=pepper)
        for unit, department in sorted(departments.items()):
            headcount = taxonomy.units[unit].headcount or 20
            issue_codes(wave, unit, headcount, pepper=pepper)
            rate = rng.choice([0.2, 0.45, 0.6, 0.75]) if department != improving else 0.7
            # The first department starts well below the rest and catches up by the second.
            mood = 3.4 if department == improving and number == 0 else 4.6
            _answer(wave, instrument, unit, round(headcount * rate), mood, rng)
        PulseWave.update(status="closed").where(PulseWave.id == wave).execute()
        roles = list(ROLES)
        released.append(
            release_wave(
                wave,
                threshold=threshold,
                min_rate=min_rate,
                departments=departments,
                roles=roles,
                today=today,
            )  # fmt: skip
        )
    return released


def _answer(wave, instrument, unit, count, mood, rng) -> None:
    rows = []
    for _ in range(count):
        person = mood + rng.gauss(0, 0.9)
        answers = {}
        for item in instrument.items:
            agree = round(person + rng.gauss(0, 0.8))
            if item.reverse:
                agree = 8 - agree
            answers[item.id] = max(1, min(7, agree))
        rows.append(
            {
                "id": secrets.token_hex(16),
                "wave": wave,
                "unit": unit,
                "role": rng.choices(list(ROLES), ROLE_WEIGHTS)[0],
                "answers": json.dumps(answers, sort_keys=True),
                "optional_answers": "{}",
            }
        )
    with database.atomic():
        for start in range(0, len(rows), 500):
            PulseResponse.insert_many(rows[start : start + 500]).execute()
