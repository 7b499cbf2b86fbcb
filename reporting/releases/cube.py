"""The published tables as one linked system of cells and additive relations. Pure.

The brief publishes exactly three tables, with all their margins:

1. period x organisation level (organisation, department, unit) x category level
   (all, kind, category);
2. period x (organisation, department) x role x (all, kind);
3. period x (organisation, department) x severity x (all, kind).

A cell key is ``(period, org, kind, category, role, severity)`` with ``*`` for a margin, so
a number that belongs to two tables (the department's near-miss total, say) is one cell.
``org`` is ``*``, ``d:<department>`` or ``u:<unit>``. Reports that no published row may
show (units under the minimum headcount, department only, unit not given) sit in residual
cells (``rd:<department>``, ``r*``) that are never published but take part in every
relation, so "a department minus its units" is protected like any other hidden cell.

Relations: each margin equals the sum of its children along one dimension (organisation,
kind and category, role, severity), and each quarter equals its three months and each year
its four quarters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reporting.periods import granularity_of
from reporting.releases.disclosure import Cell, Relation

ALL = "*"
ORG_RESIDUAL = "r*"
KINDS = ("near-miss", "moral-distress")
ROLES = ("nursing", "medical", "allied-health", "support", "trainee", "not-given")
SEVERITIES = ("low", "moderate", "high", "unknown")

CellKey = tuple[str, str, str, str, str, str]
LeafKey = tuple[str, str, str, str, str]  # unit field, kind, category, role, severity


@dataclass(frozen=True)
class Mapping_:
    """The organisation a release is built under: fixed for a calendar year.

    ``headcounts`` is the staff declared when the release was built (``*`` for the
    organisation, department slugs, ``unit:<slug>`` for units counted on their own), so a
    rate per 100 staff is derived from published numbers only; it is the one part each
    release declares afresh (see builder)."""

    departments: tuple[str, ...]
    units: dict[str, tuple[str, bool]]  # unit -> (department, publishable)
    categories: tuple[tuple[str, str], ...]  # (kind, category)
    headcounts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        found = {
            "departments": list(self.departments),
            "units": {u: [d, p] for u, (d, p) in self.units.items()},
            "categories": [list(c) for c in self.categories],
        }
        if self.headcounts:
            found["headcounts"] = dict(self.headcounts)
        return found

    @classmethod
    def from_json(cls, data: Mapping) -> Mapping_:
        return cls(
            departments=tuple(data["departments"]),
            units={u: (d, bool(p)) for u, (d, p) in data["units"].items()},
            categories=tuple((k, c) for k, c in data["categories"]),
            headcounts={k: int(v) for k, v in data.get("headcounts", {}).items()},
        )

    def published_units(self, department: str) -> list[str]:
        return sorted(u for u, (d, p) in self.units.items() if d == department and p)


OrgMapping = Mapping_


def org_chains(unit_field: str, mapping: OrgMapping) -> tuple[list[str], list[str]]:
    """Org nodes a report counts in: for table 1, and for tables 2 and 3."""
    if unit_field.startswith("department:"):
        department = unit_field.split(":", 1)[1]
        if department in mapping.departments:
            return [f"rd:{department}", f"d:{department}", ALL], [f"d:{department}", ALL]
        return [ORG_RESIDUAL, ALL], [ORG_RESIDUAL, ALL]
    found = mapping.units.get(unit_field)
    if found is None:
        return [ORG_RESIDUAL, ALL], [ORG_RESIDUAL, ALL]
    department, publishable = found
    first = f"u:{unit_field}" if publishable else f"rd:{department}"
    return [first, f"d:{department}", ALL], [f"d:{department}", ALL]


class CubeBuilder:
    """Cells and relations for a set of periods under one mapping."""

    def __init__(self, mapping: OrgMapping) -> None:
        self.mapping = mapping
        self.cat_nodes = [(ALL, ALL)] + [(k, ALL) for k in KINDS] + list(mapping.categories)
        self.kind_nodes = [ALL, *KINDS]
        self.table1_orgs = [ALL, ORG_RESIDUAL]
        self.table23_orgs = [ALL, ORG_RESIDUAL]
        for d in mapping.departments:
            self.table1_orgs += [f"d:{d}", f"rd:{d}"]
            self.table23_orgs.append(f"d:{d}")
            self.table1_orgs += [f"u:{u}" for u in mapping.published_units(d)]

    # -- which cells exist in a period -------------------------------------------------

    def period_keys(self, period: str) -> list[CellKey]:
        keys = [(period, o, k, c, ALL, ALL) for o in self.table1_orgs for k, c in self.cat_nodes]
        for o in self.table23_orgs:
            for kind in self.kind_nodes:
                keys += [(period, o, kind, ALL, role, ALL) for role in ROLES]
                keys += [(period, o, kind, ALL, ALL, sev) for sev in SEVERITIES]
        return keys

    @staticmethod
    def publishable(key: CellKey) -> bool:
        return not key[1].startswith("r")

    # -- relations within a period -------------------------------------------------------

    def period_relations(self, period: str) -> list[Relation]:
        rels: list[Relation] = []
        departments = self.mapping.departments
        # Table 1, organisation hierarchy for every category node.
        for kind, cat in self.cat_nodes:

            def key(org: str, kind: str = kind, cat: str = cat) -> CellKey:
                return (period, org, kind, cat, ALL, ALL)

            rels.append(
                Relation(key(ALL), tuple(key(f"d:{d}") for d in departments) + (key(ORG_RESIDUAL),))
            )
            for d in departments:
                units = self.mapping.published_units(d)
                rels.append(
                    Relation(key(f"d:{d}"), tuple(key(f"u:{u}") for u in units) + (key(f"rd:{d}"),))
                )
        # Table 1, category hierarchy for every organisation node.
        for org in self.table1_orgs:
            rels.append(
                Relation(
                    (period, org, ALL, ALL, ALL, ALL),
                    tuple((period, org, k, ALL, ALL, ALL) for k in KINDS),
                )
            )
            for kind in KINDS:
                children = tuple(
                    (period, org, kind, c, ALL, ALL)
                    for k, c in self.mapping.categories
                    if k == kind
                )
                if children:
                    rels.append(Relation((period, org, kind, ALL, ALL, ALL), children))
        # Tables 2 and 3.
        for dim, values in ((4, ROLES), (5, SEVERITIES)):

            def key2(org: str, kind: str, value: str, dim: int = dim) -> CellKey:
                parts = [period, org, kind, ALL, ALL, ALL]
                parts[dim] = value
                return tuple(parts)

            for org in self.table23_orgs:
                for kind in self.kind_nodes:
                    rels.append(
                        Relation(key2(org, kind, ALL), tuple(key2(org, kind, v) for v in values))
                    )
                for v in values:
                    rels.append(Relation(key2(org, ALL, v), tuple(key2(org, k, v) for k in KINDS)))
            for kind in self.kind_nodes:
                for v in values:
                    rels.append(
                        Relation(
                            key2(ALL, kind, v),
                            tuple(key2(f"d:{d}", kind, v) for d in departments)
                            + (key2(ORG_RESIDUAL, kind, v),),
                        )
                    )
        return rels

    def time_relations(self, parent: str, children: list[str]) -> list[Relation]:
        """A quarter equals its months, a year its quarters, cell by cell."""
        rels = []
        for key in self.period_keys(parent):
            rels.append(Relation(key, tuple((child, *key[1:]) for child in children)))
        return rels

    # -- values -----------------------------------------------------------------------------

    def month_values(self, month: str, leaves: Mapping[LeafKey, int]) -> dict[CellKey, int]:
        values: dict[CellKey, int] = defaultdict(int)
        categories = set(self.mapping.categories)
        for (unit_field, kind, category, role, severity), n in leaves.items():
            if not n:
                continue
            chain1, chain23 = org_chains(unit_field, self.mapping)
            if (kind, category) not in categories:
                cat_nodes = [(ALL, ALL), (kind, ALL)]
            else:
                cat_nodes = [(ALL, ALL), (kind, ALL), (kind, category)]
            for org in chain1:
                for k, c in cat_nodes:
                    values[(month, org, k, c, ALL, ALL)] += n
            for org in chain23:
                for k in (ALL, kind):
                    values[(month, org, k, ALL, role, ALL)] += n
                    values[(month, org, k, ALL, ALL, severity)] += n
        return values


def coarseness(key: CellKey) -> tuple[int, int]:
    """Lower is finer: months before quarters before years, then units before margins."""
    period, org, kind, category, role, severity = key
    time_rank = {"month": 0, "quarter": 1, "year": 2}[granularity_of(period)]
    org_rank = 0 if org.startswith("u:") else 1 if org.startswith("d:") else 2
    cat_rank = 0 if category != ALL else 1 if kind != ALL else 2
    detail_rank = 0 if (role != ALL or severity != ALL) else 1
    return time_rank, org_rank + cat_rank + detail_rank


def cells_for(keys: Iterable[CellKey], values: Mapping[CellKey, int]) -> dict[CellKey, Cell]:
    return {
        key: Cell(
            value=values.get(key, 0),
            publishable=CubeBuilder.publishable(key),
            coarseness=coarseness(key),
        )
        for key in keys
    }
