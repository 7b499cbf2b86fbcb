"""Property: over random hospitals and report sets, two successive releases pin no small group.

Hypothesis generates a hospital (three or four departments, one to three units each, at
least one unit under the minimum headcount), reports over months of one year that reach a
quarter's end (so quarter cells are released), builds the first release, adds the next
month's reports and builds the second. The attacker then holds every released cell (every
answer of ``GET /api/v1/trends`` is a lookup of one) and solves linear programs over the
leaf counts (``attacker.Attacker``). Required:

- every published count is at least k and equals the truth from the reports;
- no hidden cell is pinned to a value in 1..k-1 (NOT (min == max and 1 <= min <= k-1));
- under every published total, the hidden rest (published total minus its published
  children, never-published residuals included) is 0 or at least k.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from attacker import Attacker, Structure, fresh_app, key_to_cell_id, store_reports
from conftest import FixedClock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting import releases
from reporting.db import database
from reporting.models import ReleasedCell
from reporting.services import services
from reporting.taxonomy import KINDS

MINIMUM_HEADCOUNT = 5
CATEGORIES = {
    "near-miss": ("fall", "medication", "infection"),
    "moral-distress": ("unsafe-staffing", "team-conflict"),
}


@st.composite
def hospitals(draw):
    n_departments = draw(st.integers(3, 4))
    units = []  # (slug, department, headcount)
    for d in range(n_departments):
        for u in range(draw(st.integers(1, 3))):
            units.append((f"u{d}{u}", f"d{d}", draw(st.sampled_from([2, 12, 40]))))
    small = draw(st.integers(0, len(units) - 1))
    slug, department, _ = units[small]
    units[small] = (slug, department, 2)  # under the minimum headcount
    return [f"d{d}" for d in range(n_departments)], units


def taxonomy_toml(departments, units) -> str:
    lines = [f"minimum_headcount = {MINIMUM_HEADCOUNT}", ""]
    for d in departments:
        lines += ["[[departments]]", f'slug = "{d}"', f'name = "Department {d}"', ""]
    for slug, department, headcount in units:
        lines += [
            "[[units]]",
            f'slug = "{slug}"',
            f'name = "Unit {slug}"',
            f'department = "{department}"',
            f"headcount = {headcount}",
            "",
        ]
    return "\n".join(lines)


@st.composite
def scenarios(draw):
    departments, units = draw(hospitals())
    start = draw(st.integers(1, 2))
    first_end = draw(st.integers(max(start, 2), 3))  # 2: Q1 closes in the second release
    months = [f"2026-{m:02d}" for m in range(start, first_end + 2)]
    unit_fields = [u for u, _, _ in units] + [f"department:{d}" for d in departments]
    unit_fields.append("not-given")
    rows = []
    for month in months:
        for _ in range(draw(st.integers(2, 8))):
            kind = draw(st.sampled_from(sorted(KINDS)))
            group = {
                "period": month,
                "unit": draw(st.sampled_from(unit_fields)),
                "kind": kind,
                "category": draw(st.sampled_from(CATEGORIES[kind])),
                "role": draw(st.sampled_from(("nursing", "medical", "not-given"))),
                "severity": draw(st.sampled_from(("low", "high", "unknown"))),
            }
            rows += [dict(group) for _ in range(draw(st.integers(1, 9)))]
    k = draw(st.sampled_from([3, 5]))
    return departments, units, months, rows, k


def after(month: str) -> datetime:
    year, mon = int(month[:4]), int(month[5:])
    return datetime(year + mon // 12, mon % 12 + 1, 10, 12, tzinfo=UTC)


def build_due(app) -> None:
    with app.app_context():
        found = services()
        releases.build_due(found.require_taxonomy(), found.release_policy, found.clock)


def released_answers() -> dict:
    with database.connection_context():
        return {
            key_to_cell_id((c.period, c.org, c.kind, c.category, c.role, c.severity)): c.value
            for c in ReleasedCell.select()
        }


def check_release(taxonomy, months, rows, answers, k) -> None:
    structure = Structure(taxonomy, months)
    assert set(answers) == set(structure.surface(structure.all_periods()))
    truth = structure.truth(rows)
    attacker = Attacker(structure, answers)
    for cid, count in answers.items():
        value = structure.value(structure.vector(cid[0], dict(cid[1])), truth)
        if count is not None:
            assert count >= k and count == value, (cid, count, value)
            for part in structure.children(cid):
                rest = count - sum(answers[child] or 0 for child in part)
                assert rest == 0 or rest >= k, ("hidden rest", cid, part, rest)
        elif 1 <= value < k:
            vector = structure.vector(cid[0], dict(cid[1]))
            assert not attacker.pins_small(vector, k, value), ("pinned", cid, value)


def test_two_successive_releases_pin_no_small_group(backend, tmp_path_factory):
    counter = itertools.count()

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=True,
    )
    @given(scenarios())
    def run(scenario):
        departments, units, months, rows, k = scenario
        clock = FixedClock(after(months[-2]))
        root = tmp_path_factory.mktemp(f"hospital{next(counter)}")
        with fresh_app(
            backend, root, clock, taxonomy_toml(departments, units), RELEASE_THRESHOLD=k
        ) as app:
            with app.app_context():
                taxonomy = services().require_taxonomy()
            first = [r for r in rows if r["period"] != months[-1]]
            store_reports(first)
            build_due(app)
            earlier = released_answers()
            check_release(taxonomy, months[:-1], first, earlier, k)
            store_reports([r for r in rows if r["period"] == months[-1]])
            clock.now = after(months[-1])
            build_due(app)
            later = released_answers()
            assert {cid: later[cid] for cid in earlier} == earlier
            check_release(taxonomy, months, rows, later, k)

    run()
