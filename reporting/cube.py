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
from dataclasses import dataclass

from .disclosure import Cell, Relation

ALL = "*"
ORG_RESIDUAL = "r*"
KINDS = ("near-miss", "moral-distress")
ROLES = ("nursing", "medical", "allied-health", "support", "trainee", "not-given")
SEVERITIES = ("low", "moderate", "high", "unknown")

CellKey = tuple[str, str, str, str, str, str]
LeafKey = tuple[str, str, str, str, str]  # unit field, kind, category, role, severity


@dataclass(frozen=True)
class Mapping_:
    """The organisation a release is built under: fixed for a calendar year."""

    departments: tuple[str, ...]
    units: dict[str, tuple[str, bool]]  # unit -> (department, publishable)
    categories: tuple[tuple[str, str], ...]  # (kind, category)

    def to_json(self) -> dict:
        return {
            "departments": list(self.departments),
            "units": {u: [d, p] for u, (d, p) in self.units.items()},
            "categories": [list(c) for c in self.categories],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Mapping_:
        return cls(
            departments=tuple(data["departments"]),
            units={u: (d, bool(p)) for u, (d, p) in data["units"].items()},
            categories=tuple((k, c) for k, c in data["categories"]),
        )

    def published_units(self, department: str) -> list[str]:
        return sorted(u for u, (d, p) in self.units.items() if d == department and p)


OrgMapping = Mapping_


def quarter_of(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}-Q{(int(mon) - 1) // 3 + 1}"


def months_of_quarter(quarter: str) -> list[str]:
    year, q = quarter.split("-Q")
    first = (int(q) - 1) * 3 + 1
    return [f"{year}-{m:02d}" for m in range(first, first + 3)]


def granularity_of(period: str) -> str:
    if "-Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


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


class Protector:
    """Hides a whole protection cycle around a pinned small cell at once.

    A cell is protected when some way of moving reports between leaves changes it while
    every published number stays the same. Moving one report per corner of a box of
    leaves (two values of each varied attribute: organisation, category, role, severity,
    month, with alternating signs) changes exactly the cells that tell the two values of
    every varied attribute apart; every coarser total stays the same. If all of those cells
    are hidden, the small cell can be one more or one less than it is, whatever an attacker
    combines (counts stay at least 0 as long as the corners that lose a report have one).

    So for a cell that the checks keep finding pinned, we search (coordinate by coordinate)
    for the cheapest such box whose fixed cells are all hidden already, and hide its other
    cells in one go. This only chooses cells; the engine's exact checks still decide.
    """

    def __init__(self, builder: CubeBuilder, periods: Iterable[str]) -> None:
        mapping = builder.mapping
        self.org_leaves: dict[str, list[str]] = {}  # leaf class -> org chain
        for department in mapping.departments:
            for unit in mapping.published_units(department):
                self.org_leaves[f"u:{unit}"] = [f"u:{unit}", f"d:{department}", ALL]
            self.org_leaves[f"rd:{department}"] = [f"rd:{department}", f"d:{department}", ALL]
        self.org_leaves[ORG_RESIDUAL] = [ORG_RESIDUAL, ALL]
        self.cat_leaves = {(k, c): [(ALL, ALL), (k, ALL), (k, c)] for k, c in mapping.categories}
        self.role_leaves = {r: [ALL, r] for r in ROLES}
        self.sev_leaves = {s: [ALL, s] for s in SEVERITIES}
        months = sorted(p for p in periods if granularity_of(p) == "month")
        self.time_leaves = {m: [m, quarter_of(m), m[:4]] for m in months}

    # Attributes in key order: time, org, (kind, category), role, severity.
    def _attributes(self, key: CellKey):
        period, org, kind, category, role, severity = key
        return (
            (self.time_leaves, period),
            (self.org_leaves, org),
            (self.cat_leaves, (kind, category)),
            (self.role_leaves, role),
            (self.sev_leaves, severity),
        )

    @staticmethod
    def _nodes(chains, v1, v2):
        """(node, sign) pairs of one attribute whose cells see the move."""
        if v2 is None:
            return [(node, 1) for node in chains[v1]]
        one, two = chains[v1], chains[v2]
        return [(n, 1) for n in one if n not in two] + [(n, -1) for n in two if n not in one]

    def support(self, choice, cells) -> list[tuple[CellKey, int]]:
        (t1, t2), (o1, o2), (c1, c2), (r1, r2), (s1, s2) = choice
        out = []
        for t, ts in self._nodes(self.time_leaves, t1, t2):
            for o, os_ in self._nodes(self.org_leaves, o1, o2):
                for (k, c), cs in self._nodes(self.cat_leaves, c1, c2):
                    for r, rs in self._nodes(self.role_leaves, r1, r2):
                        for s, ss in self._nodes(self.sev_leaves, s1, s2):
                            key = (t, o, k, c, r, s)
                            if key in cells:
                                out.append((key, ts * os_ * cs * rs * ss))
        return out

    def protect(self, targets, cells, is_hidden, can_hide) -> list[CellKey] | None:
        """Published cells to hide so that a box of moves changes the sum of ``targets``.

        ``targets`` is a set of cells whose total must not be pinned (one cell, or hidden
        cells under a known total); the box is built around its smallest cell.

        The search is coordinate by coordinate from "vary every attribute the target
        names". A box whose cells include one fixed as published by an earlier release,
        or that leaves out the target, is penalised rather than refused, so the search can
        walk through such boxes to a valid one; only a valid box is returned.
        """
        blocked = 1_000_000.0
        targets = frozenset(targets)
        target = min(targets, key=lambda key: (cells[key].value, repr(key)))
        options = []
        for position, (chains, node) in enumerate(self._attributes(target)):
            under = [leaf for leaf, chain in chains.items() if node in chain]
            if not under:
                return None
            above = set(chains[under[0]][chains[under[0]].index(node) :])

            def rank(nodes, position=position):
                key = list(target)
                if position == 2:
                    key[2], key[3] = nodes
                else:
                    key[position if position < 2 else position + 1] = nodes
                key = tuple(key)
                cell = cells.get(key)
                if cell is None:
                    return (2, 0, repr(nodes))
                return (0 if is_hidden(key) else 1, cell.value, repr(nodes))

            under.sort(key=lambda leaf, chains=chains, rank=rank: rank(chains[leaf][0]))
            partners: dict = {}
            for leaf, chain in chains.items():
                if node in chain:
                    continue
                sibling = chain[0]
                for n in chain:
                    if n in above:
                        break
                    sibling = n
                partners.setdefault(sibling, []).append(leaf)
            ordered = []
            for sibling in sorted(partners, key=rank)[:12]:
                ordered += sorted(partners[sibling], key=lambda leaf, c=chains: rank(c[leaf][0]))[
                    :2
                ]
            options.append((under[:4], [None, *ordered]))
        cache: dict = {}

        def cost(choice) -> float:
            found = cache.get(choice)
            if found is not None:
                return found
            total = 0.0
            change = 0
            up = down = True
            for key, sign in self.support(choice, cells):
                cell = cells[key]
                if key in targets:
                    change += sign
                if cell.value <= 0:
                    if sign > 0:
                        down = False
                    else:
                        up = False
                if is_hidden(key):
                    continue
                if not can_hide(key):
                    total += blocked
                    continue
                time_rank, level = coarseness(key)
                total += (1 + cell.value) * (1 + 3 * time_rank) * (1 + level)
            if not change:
                total += blocked
            if not (up or down):
                total += blocked
            cache[choice] = total
            return total

        choice = [
            (under[0], partners[1] if len(partners) > 1 else None) for under, partners in options
        ]
        best = cost(tuple(choice))
        for _ in range(3):
            improved = False
            for position, (under, partners) in enumerate(options):
                for v1 in under:
                    for v2 in partners:
                        trial = list(choice)
                        trial[position] = (v1, v2)
                        c = cost(tuple(trial))
                        if c < best:
                            best, choice, improved = c, trial, True
            if not improved:
                break
        if best >= blocked:
            return None
        return [key for key, _ in self.support(tuple(choice), cells) if not is_hidden(key)]
