"""A pulse wave's linked count tables, as cells and relations for the suppression engine.

Pure: plain response tuples in, ``disclosure.Cell``s and ``Relation``s out. A cell is keyed
``(org, role, measure, band)``:

- org: ``*`` (organisation), ``d:<department>``, ``u:<unit>``, or ``r:*`` (respondents who
  chose "prefer not to say": counted in the organisation only, never shown);
- role: ``*``, a staff group, or ``r`` (staff group not given: never shown). Staff groups
  are broken down for the organisation only: within a department or a unit they are a
  handful of people each, hidden whatever the release, and each such cell would cost
  the engine time and force other cells (a department's own figures) to be hidden with it;
- measure and band: ``respondents``/``*``, or an item or composite with ``favourable``,
  ``neutral`` or ``unfavourable`` (an item's bands count respondents; a composite's bands
  count answers to its items).

Units publish respondents and composites only; items are for departments and the
organisation (a unit's answers to one item split three ways are mostly under k, and
hiding them drags its department's figures down with them).

Relations: the organisation is its departments plus ``r:*``, a department its units; the
organisation's ``*`` over staff groups is the groups plus ``r``; an item's three bands add
up to the respondents (every item is required); a composite's band is the sum of its
items' bands.

Units below the response-rate floor (respondents against codes issued there) are left out
of every table, organisation included, so nothing published contains their answers; the
release says how many respondents that left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reporting.pulse.instruments import BANDS, Instrument
from reporting.releases.disclosure import Cell, Relation

ALL = "*"
ORG_RESIDUAL = "r:*"
ROLE_RESIDUAL = "r"
RESPONDENTS = "respondents"
PREFER_NOT = "prefer-not"
NOT_GIVEN = "not-given"


@dataclass(frozen=True)
class PulseResponseRow:
    unit: str
    role: str
    answers: Mapping[str, int]


@dataclass
class PulseCube:
    cells: dict[tuple, Cell]
    relations: list[Relation]
    included_units: list[str]
    left_out_units: list[str]
    left_out_respondents: int


def included_units(
    counts: Mapping[str, int], invited: Mapping[str, int], min_rate: float
) -> tuple[list[str], list[str]]:
    """Units whose respondents reach ``min_rate`` of the codes issued there, and the rest."""
    inside, outside = [], []
    for unit in sorted(counts):
        if unit == PREFER_NOT:
            continue
        issued = invited.get(unit, 0)
        (inside if issued and counts[unit] / issued >= min_rate else outside).append(unit)
    return inside, outside


def build_cube(
    instrument: Instrument,
    responses: Iterable[PulseResponseRow],
    *,
    departments: Mapping[str, str],
    roles: Iterable[str],
    invited: Mapping[str, int],
    min_rate: float,
) -> PulseCube:
    """Every cell of the wave's tables (true counts) and the relations between them."""
    rows = list(responses)
    per_unit = Counter(r.unit for r in rows)
    inside, outside = included_units(per_unit, invited, min_rate)
    kept = [r for r in rows if r.unit == PREFER_NOT or r.unit in inside]
    role_list = [r for r in roles if r != NOT_GIVEN]
    orgs = _orgs(inside, departments)
    measures = [(RESPONDENTS, ALL)] + [
        (m, band) for m in [i.id for i in instrument.items] + list(instrument.composites)
        for band in BANDS
    ]  # fmt: skip
    counts: Counter = Counter()
    for row in kept:
        leaf_org = ORG_RESIDUAL if row.unit == PREFER_NOT else f"u:{row.unit}"
        leaf_role = row.role if row.role in role_list else ROLE_RESIDUAL
        for measure, band in _measures_of(instrument, row.answers):
            counts[(leaf_org, leaf_role, measure, band)] += 1
    unit_measures = [(m, b) for m, b in measures if m == RESPONDENTS or m in instrument.composites]
    cells: dict[tuple, Cell] = {}
    for org in orgs:
        for role in [ALL, *role_list, ROLE_RESIDUAL] if org == ALL else [ALL]:
            for measure, band in unit_measures if org.startswith("u:") else measures:
                cells[(org, role, measure, band)] = Cell(
                    value=0,
                    publishable=org != ORG_RESIDUAL and role != ROLE_RESIDUAL,
                    coarseness=_coarseness(org, role, measure, instrument),
                )
    _fill(cells, counts, inside, departments, role_list)
    relations = _relations(instrument, orgs, inside, departments, role_list, measures)
    relations = [
        r for r in relations if all(key in cells for key in (r.parent, *r.children))
    ]  # a unit's item cells do not exist: relations through them are dropped
    return PulseCube(cells, relations, inside, outside, len(rows) - len(kept))


def _orgs(units: list[str], departments: Mapping[str, str]) -> list[str]:
    used = sorted({departments[u] for u in units})
    return [ALL, *(f"d:{d}" for d in used), *(f"u:{u}" for u in units), ORG_RESIDUAL]


def _measures_of(instrument: Instrument, answers: Mapping[str, int]):
    yield RESPONDENTS, ALL
    bands = {item.id: instrument.band(item.id, answers[item.id]) for item in instrument.items}
    yield from bands.items()
    for composite, members in instrument.composites.items():
        for member in members:
            yield composite, bands[member]


def _coarseness(org: str, role: str, measure: str, instrument: Instrument) -> tuple:
    """Finer cells are hidden first: units, then staff groups, items, then totals."""
    org_rank = 0 if org.startswith("u:") else 1 if org.startswith("d:") else 2
    measure_rank = 2 if measure == RESPONDENTS else 1 if measure in instrument.composites else 0
    return (org_rank, 0 if role != ALL else 1, measure_rank)


def _fill(cells, counts, units, departments, role_list) -> None:
    """Leaf counts rolled up to departments, the organisation and all staff groups."""
    for (org, role, measure, band), n in counts.items():
        orgs = [org, ALL]
        if org.startswith("u:"):
            orgs.append(f"d:{departments[org[2:]]}")
        for o in orgs:
            for r in (role, ALL) if o == ALL else (ALL,):
                key = (o, r, measure, band)
                if key in cells:
                    cells[key].value += n


def _relations(instrument, orgs, units, departments, role_list, measures) -> list[Relation]:
    relations = []
    depts = [o for o in orgs if o.startswith("d:")]
    roles = [ALL, *role_list, ROLE_RESIDUAL]
    for measure, band in measures:
        children = tuple((d, ALL, measure, band) for d in depts)
        relations.append(
            Relation((ALL, ALL, measure, band), (*children, (ORG_RESIDUAL, ALL, measure, band)))
        )
        for d in depts:
            members = [u for u in units if departments[u] == d[2:]]
            children = tuple((f"u:{u}", ALL, measure, band) for u in members)
            relations.append(Relation((d, ALL, measure, band), children))
    for org in orgs:
        grouped = org == ALL
        if grouped:
            for measure, band in measures:
                children = tuple((org, r, measure, band) for r in [*role_list, ROLE_RESIDUAL])
                relations.append(Relation((org, ALL, measure, band), children))
        for role in roles if grouped else [ALL]:
            relations.extend(_answer_relations(instrument, org, role))
    return relations


def _answer_relations(instrument: Instrument, org: str, role: str) -> list[Relation]:
    """An item's bands add up to the respondents; a composite's band is its items' sum."""
    found = []
    for item in instrument.items:
        bands = tuple((org, role, item.id, b) for b in BANDS)
        found.append(Relation((org, role, RESPONDENTS, ALL), bands))
    for composite, members in instrument.composites.items():
        for b in BANDS:
            found.append(
                Relation((org, role, composite, b), tuple((org, role, m, b) for m in members))
            )
    return found
