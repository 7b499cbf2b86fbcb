"""Releases of pulse waves: the wave's linked tables through the same suppression engine as
the monthly releases, and an attacker's linear programs over everything published.

Hypothesis draws a hospital (departments, units with codes issued, staff groups) and a
wave's responses (units and groups in proportions that leave small cells, some "prefer not
to say"). The release is built; for every hidden cell with a true count of 1..k-1 an LP
(HiGHS, through scipy) minimises and maximises it subject to every relation between cells,
every published value and counts at least 0. Required: no such cell is pinned to one whole
number, every published count is at least k, and units below the response-rate floor leave
no trace in any published number.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import linprog

from reporting.pulse import instruments
from reporting.releases import disclosure
from reporting.releases.pulse_cube import PREFER_NOT, PulseResponseRow, build_cube
from reporting.releases.pulse_release import percent

K = 5
ROLES = ["nursing", "medical", "allied-health", "not-given"]
PS7 = instruments.load("psych-safety-7")


@st.composite
def waves(draw):
    rng = random.Random(draw(st.integers(0, 2**31 - 1)))
    departments = {}
    for d in range(draw(st.integers(1, 2))):
        for u in range(draw(st.integers(1, 3))):
            departments[f"unit-{d}-{u}"] = f"dept-{d}"
    units = list(departments)
    weights = [rng.choice([1, 2, 6, 15]) for _ in units]
    size = draw(st.integers(8, 60))
    rows = []
    for _ in range(size):
        unit = PREFER_NOT if rng.random() < 0.08 else rng.choices(units, weights)[0]
        role = rng.choices(ROLES, [6, 3, 2, 1])[0]
        mood = rng.choice([2, 4, 6])
        answers = {i.id: max(1, min(7, mood + rng.randint(-2, 2))) for i in PS7.items}
        rows.append(PulseResponseRow(unit, role, answers))
    invited = {u: max(1, int(sum(r.unit == u for r in rows) / rng.choice([0.2, 0.5, 0.9])))
               for u in units}  # fmt: skip
    return departments, rows, invited


def _release(departments, rows, invited, min_rate=0.3):
    cube = build_cube(PS7, rows, departments=departments, roles=ROLES, invited=invited,
                      min_rate=min_rate)  # fmt: skip
    outcome = disclosure.suppress(cube.cells, cube.relations, K)
    return cube, outcome


def _bounds(cube, outcome, targets):
    keys = list(cube.cells)
    index = {k: i for i, k in enumerate(keys)}
    entries, rhs = [], []  # (row, column, coefficient)
    for relation in cube.relations:
        r = len(rhs)
        entries.append((r, index[relation.parent], 1.0))
        entries.extend((r, index[child], -1.0) for child in relation.children)
        rhs.append(0)
    for key, cell in cube.cells.items():
        if cell.publishable and key not in outcome.hidden:
            entries.append((len(rhs), index[key], 1.0))
            rhs.append(cell.value)
    r, col, v = zip(*entries, strict=True)
    a = sparse.csr_matrix((v, (r, col)), shape=(len(rhs), len(keys)))
    b = np.array(rhs, dtype=float)
    found = {}
    for key in targets:
        c = np.zeros(len(keys))
        c[index[key]] = 1
        low = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        assert low.status == 0, "the published numbers are consistent"
        found[key] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return found


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves())
def test_an_attacker_pins_no_small_hidden_cell_of_a_wave(wave):
    departments, rows, invited = wave
    cube, outcome = _release(departments, rows, invited)
    for key, cell in cube.cells.items():
        if cell.publishable and key not in outcome.hidden:
            assert cell.value >= K, key
    small = [k for k, c in cube.cells.items() if k in outcome.hidden and 0 < c.value < K]
    for key, (low, high) in _bounds(cube, outcome, small).items():
        assert high == math.inf or math.ceil(low - 1e-6) < math.floor(high + 1e-6), (
            key,
            cube.cells[key].value,
            low,
            high,
        )


class _Joined:
    """Several releases as one system for the attacker: each release's cells under its own
    name, every relation and published value of each (a cube and an outcome in one, as
    ``_bounds`` reads them). Pulse answers and reports are different people's different
    acts, so no count of one is a sum of the other's: waves are what share units and staff."""

    def __init__(self, parts):
        self.cells, self.relations, self.hidden = {}, [], set()
        for name, (cube, outcome) in parts.items():
            self.cells.update({(name, *k): c for k, c in cube.cells.items()})
            self.hidden |= {(name, *k) for k in outcome.hidden}
            self.relations += [
                disclosure.Relation((name, *r.parent), tuple((name, *c) for c in r.children))
                for r in cube.relations
            ]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves(), st.integers(0, 2**31 - 1))
def test_two_waves_of_the_same_units_together_pin_no_small_hidden_cell(wave, seed):
    """Differencing across waves: the same units answer again (a third of the answers
    change), each wave is released on its own, and the attacker solves over both at once."""
    departments, rows, invited = wave
    rng = random.Random(seed)
    again = [
        PulseResponseRow(r.unit, r.role, {i: max(1, min(7, v + rng.choice([-3, 0, 3])))
                                          for i, v in r.answers.items()})
        if rng.random() < 0.33 else r
        for r in rows if rng.random() < 0.9
    ]  # fmt: skip
    joined = _Joined(
        {"first": _release(departments, rows, invited), "second": _release(departments, again,
                                                                          invited)}
    )  # fmt: skip
    small = [k for k, c in joined.cells.items() if k in joined.hidden and 0 < c.value < K]
    for key, (low, high) in _bounds(joined, joined, small).items():  # joined: cells and hidden
        assert high == math.inf or math.ceil(low - 1e-6) < math.floor(high + 1e-6), (key, low)


def test_a_unit_below_the_response_floor_leaves_no_trace():
    departments = {"icu": "critical", "hdu": "critical", "ward-1": "medicine"}
    rng = random.Random(4)
    rows = [PulseResponseRow(u, "nursing", {i.id: rng.randint(1, 7) for i in PS7.items})
            for u in ["icu"] * 20 + ["hdu"] * 12 + ["ward-1"] * 9]  # fmt: skip
    invited = {"icu": 30, "hdu": 60, "ward-1": 12}  # hdu: 12 of 60 answered, under 0.3
    cube, outcome = _release(departments, rows, invited)
    assert cube.left_out_units == ["hdu"] and cube.left_out_respondents == 12
    without = [r for r in rows if r.unit != "hdu"]
    cube2, outcome2 = _release(departments, without, invited)

    def published(c, o):
        return {k: x.value for k, x in c.cells.items() if x.publishable and k not in o.hidden}

    assert published(cube, outcome) == published(cube2, outcome2)
    assert not any(k[0] == "u:hdu" for k in cube.cells)


def test_percent_favourable_is_computed_from_published_counts_only():
    assert percent(12, 5, 3) == 60.0
    assert percent(12, None, 3) is None
    assert percent(None, 5, 3) is None
    assert percent(0, 0, 0) is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_closed_wave_is_released_once_through_the_engine(backend, app):
    import datetime as dt

    from reporting.db import database
    from reporting.models import PulseReleasedCell
    from reporting.pulse.codes import issue_codes
    from reporting.pulse.responses import assisted_token, submit
    from reporting.pulse.waves import WaveError, close_wave, open_wave
    from reporting.releases.pulse_release import release_wave, released_cells

    today = dt.date(2026, 11, 10)
    with app.app_context(), database.connection_context():
        found = app.extensions["reporting"]
        taxonomy = found.require_taxonomy()
        departments = {u: unit.department for u, unit in taxonomy.units.items()}
        unit = sorted(departments)[0]
        wave = open_wave(
            "psych-safety-7", dt.date(2026, 11, 2), dt.date(2026, 11, 20), pepper=found.pepper
        )
        codes = issue_codes(wave, unit, 8, pepper=found.pepper)
        for n, code in enumerate(codes):
            token = assisted_token(wave, code, pepper=found.pepper, today=today)
            answers = {i.id: 1 + n % 7 for i in PS7.items}
            submit(wave, token, unit=unit, role="nursing", answers=answers,
                   units=departments, roles=ROLES, today=today)  # fmt: skip
        args = dict(threshold=K, min_rate=0.3, departments=departments, roles=ROLES, today=today)
        with pytest.raises(WaveError, match="still open"):
            release_wave(wave, **args)
        close_wave(wave)
        summary = release_wave(wave, **args)
        assert summary.included_units == [unit] and summary.published > 0
        cells = released_cells(wave)
        assert cells[("*", "*", "respondents", "*")] == 8
        assert cells[(f"u:{unit}", "*", "respondents", "*")] == 8
        assert all(v is None or v >= K for v in cells.values())
        assert PulseReleasedCell.select().count() == summary.published + summary.hidden
        with pytest.raises(WaveError, match="already released"):
            release_wave(wave, **args)


def test_the_cli_releases_a_closed_wave_and_names_units_left_out(app, runner):
    import datetime as dt

    from reporting.db import database
    from reporting.pulse.codes import issue_codes
    from reporting.pulse.responses import assisted_token, submit
    from reporting.pulse.waves import close_wave, open_wave

    today = app.extensions["reporting"].clock().date()
    with app.app_context(), database.connection_context():
        found = app.extensions["reporting"]
        units = sorted(found.require_taxonomy().units)
        wave = open_wave("psych-safety-7", today - dt.timedelta(days=3), today, pepper=found.pepper)
        for unit, issued, answering in ((units[0], 10, 8), (units[1], 40, 6)):
            codes = issue_codes(wave, unit, issued, pepper=found.pepper)
            for code in codes[:answering]:
                token = assisted_token(wave, code, pepper=found.pepper, today=today)
                answers = {i.id: 6 for i in PS7.items}
                submit(wave, token, unit=unit, role="nursing", answers=answers, units=units,
                       roles=ROLES, today=today)  # fmt: skip
        close_wave(wave)
    result = runner.invoke(args=["pulse", "release", wave])
    assert result.exit_code == 0, result.output
    assert "cells published" in result.output
    assert f"left out of every table: {units[1]} (6 respondents)" in result.output
    result = runner.invoke(args=["pulse", "release", wave])
    assert result.exit_code != 0 and "already released" in result.output


def test_the_api_returns_released_cells_and_percentages_from_published_counts_only(app, client):
    import datetime as dt

    from attacker import leadership_token

    from reporting.db import database
    from reporting.pulse.codes import issue_codes
    from reporting.pulse.responses import assisted_token, submit
    from reporting.pulse.waves import close_wave, open_wave
    from reporting.releases.pulse_release import release_wave, released_cells

    today = app.extensions["reporting"].clock().date()
    with app.app_context(), database.connection_context():
        found = app.extensions["reporting"]
        taxonomy = found.require_taxonomy()
        departments = {u: unit.department for u, unit in taxonomy.units.items()}
        units = sorted(departments)[:3]
        wave = open_wave("psych-safety-7", today - dt.timedelta(days=3), today, pepper=found.pepper)
        rng = random.Random(5)
        for unit, answering in zip(units, (14, 9, 3), strict=True):
            for code in issue_codes(wave, unit, answering, pepper=found.pepper):
                token = assisted_token(wave, code, pepper=found.pepper, today=today)
                answers = {i.id: rng.choice([2, 4, 6, 7]) for i in PS7.items}
                submit(wave, token, unit=unit, role=rng.choice(ROLES[:2]), answers=answers,
                       units=departments, roles=ROLES, today=today)  # fmt: skip
        close_wave(wave)
        release_wave(wave, threshold=K, min_rate=0.3, departments=departments, roles=ROLES,
                     today=today)  # fmt: skip
        stored = released_cells(wave)
    assert client.get("/api/v1/pulse").status_code == 401
    auth = {"Authorization": f"Bearer {leadership_token(app)}"}
    body = client.get("/api/v1/pulse", headers=auth).get_json()
    (answer,) = body["waves"]
    cells = {(c["org"], c["role"], c["measure"], c["band"]): c["count"] for c in answer["cells"]}
    assert cells == stored
    assert any(v is None for v in cells.values()) and any(v is not None for v in cells.values())
    for entry in answer["percent_favourable"]:
        key = (entry["org"], entry["role"], entry["measure"])
        counts = [cells[(*key, b)] for b in ("favourable", "neutral", "unfavourable")]
        expected = (
            None if None in counts or sum(counts) == 0 else round(100 * counts[0] / sum(counts), 1)
        )
        assert entry["percent"] == expected
    assert (
        client.get(f"/api/v1/pulse?wave={wave}", headers=auth).get_json()["waves"][0]["wave"]
        == wave
    )
    assert client.get(f"/api/v1/pulse?wave={'0' * 32}", headers=auth).status_code == 404
    assert client.get("/api/v1/pulse?wave=nope", headers=auth).status_code == 400


def _wave_leaving_out(app, answering_below_floor: int) -> str:
    """A released wave: one unit answering in full, one below the response floor."""
    import datetime as dt

    from reporting.db import database
    from reporting.pulse.codes import issue_codes
    from reporting.pulse.responses import assisted_token, submit
    from reporting.pulse.waves import close_wave, open_wave
    from reporting.releases.pulse_release import release_wave

    today = app.extensions["reporting"].clock().date()
    with app.app_context(), database.connection_context():
        found = app.extensions["reporting"]
        taxonomy = found.require_taxonomy()
        departments = {u: unit.department for u, unit in taxonomy.units.items()}
        units = sorted(departments)
        wave = open_wave("psych-safety-7", today - dt.timedelta(days=3), today, pepper=found.pepper)
        for unit, issued, answering in ((units[0], 10, 8), (units[1], 60, answering_below_floor)):
            for code in issue_codes(wave, unit, issued, pepper=found.pepper)[:answering]:
                token = assisted_token(wave, code, pepper=found.pepper, today=today)
                submit(wave, token, unit=unit, role="nursing", answers={i.id: 6 for i in PS7.items},
                       units=departments, roles=ROLES, today=today)  # fmt: skip
        close_wave(wave)
        release_wave(wave, threshold=K, min_rate=0.3, departments=departments, roles=ROLES,
                     today=today)  # fmt: skip
    return wave


@pytest.mark.parametrize(("below_floor", "shown"), [(3, None), (12, 12)])
def test_answers_left_out_below_the_floor_are_a_count_like_any_other(app, client, below_floor,
                                                                      shown):  # fmt: skip
    """Units below the response floor are in no table, but how many answered there is still
    a small group's count: leadership sees it only from k on, on the API and the page."""
    from attacker import leadership_token

    from reporting.releases.dashboard.pulse_board import columns

    _wave_leaving_out(app, below_floor)
    auth = {"Authorization": f"Bearer {leadership_token(app)}"}
    (wave,) = client.get("/api/v1/pulse", headers=auth).get_json()["waves"]
    assert wave["left_out_respondents"] == shown
    (column,) = columns([wave])
    assert column.left_out == (f"fewer than {K} answers" if shown is None else f"{shown} answers")
    assert str(below_floor) not in column.left_out or shown is not None
