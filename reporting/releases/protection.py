"""Protection boxes: the cells to hide at once so that a pinned small cell is free again.

Kept apart from ``cube`` (which only says what the cells and relations are) because it is a
strategy for choosing cells, used by the suppression engine through ``suppress(...,
protector=...)``; the engine's checks, not this module, decide what is safe.
"""

from __future__ import annotations

from collections.abc import Iterable

from reporting.periods import granularity_of, quarter_of
from reporting.releases.cube import (
    ALL,
    ORG_RESIDUAL,
    ROLES,
    SEVERITIES,
    CellKey,
    CubeBuilder,
    coarseness,
)


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
