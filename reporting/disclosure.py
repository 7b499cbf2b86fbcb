"""Cell suppression for a linked system of published tables. Pure: no database, no Flask.

The input is every cell of the system (published candidates and residuals that are never
published), the additive relations between them (``parent = sum(children)``), the threshold
k, and the states fixed by earlier releases. The output is the set of hidden cells such that:

1. every cell with a count under k, zero included, is hidden (primary suppression);
2. under every published total, the hidden children add up to 0 or at least k
   (complementary suppression, repeated to a fixpoint across all relations);
3. no hidden cell with a count of 1..k-1, and no difference of two nested hidden
   remainders with such a count, is a linear combination of published numbers. This is
   checked exactly by Gaussian elimination modulo a 61-bit prime on the hidden part of
   the system, one connected component at a time (a vector in the rational row space is
   in the modular one, so the check errs only towards hiding more).

Whenever a check fails, the cheapest cell still published next to the problem is hidden
and both checks run again. Cost prefers the finest cells (months before quarters, units
before departments, categories before kinds), then the smallest count, then the key, so the
result is deterministic and organisation, department and quarter figures survive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

Key = Hashable
PRIME = (1 << 61) - 1


class SuppressionError(Exception):
    """The fixed states of earlier releases leave no way to protect a cell."""


@dataclass
class Cell:
    value: int
    publishable: bool = True  # False for residuals (small units, unit not given): never shown
    fixed: bool = False  # decided by an earlier release: its state cannot change
    fixed_hidden: bool = False
    coarseness: tuple = ()  # lower is finer, and is hidden first

    def cost(self, key: Key) -> tuple:
        return (self.coarseness, self.value, repr(key))


@dataclass(frozen=True)
class Relation:
    parent: Key
    children: tuple[Key, ...]


@dataclass
class Outcome:
    hidden: set[Key]
    hidden_at_least_k: int = 0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)


def suppress(cells: dict[Key, Cell], relations: Iterable[Relation], k: int) -> Outcome:
    if k < 3:
        raise ValueError("the threshold k is never below 3")
    relations = list(relations)
    for relation in relations:
        for key in (relation.parent, *relation.children):
            if key not in cells:
                raise KeyError(f"relation names unknown cell {key!r}")
    engine = _Engine(cells, relations, k)
    engine.run()
    hidden = engine.hidden
    at_least_k = sum(1 for key in hidden if cells[key].publishable and cells[key].value >= k)
    return Outcome(hidden=hidden, hidden_at_least_k=at_least_k, rounds=engine.rounds)


class _Engine:
    def __init__(self, cells: dict[Key, Cell], relations: list[Relation], k: int) -> None:
        self.cells = cells
        self.relations = relations
        self.k = k
        self.member_of: dict[Key, list[int]] = defaultdict(list)
        for index, relation in enumerate(relations):
            self.member_of[relation.parent].append(index)
            for child in relation.children:
                self.member_of[child].append(index)
        self.hidden: set[Key] = set()
        for key, cell in cells.items():
            if cell.fixed:
                if cell.fixed_hidden:
                    self.hidden.add(key)
            elif not cell.publishable or cell.value < k:
                self.hidden.add(key)
        self.rounds = 0
        # Relations with a cell this release may still decide; the rest were settled before.
        self.active = {
            index
            for index, relation in enumerate(relations)
            if any(not cells[key].fixed for key in (relation.parent, *relation.children))
        }
        self._checked: dict[frozenset, list] = {}

    def can_hide(self, key: Key) -> bool:
        return key not in self.hidden and not self.cells[key].fixed

    def hide(self, key: Key) -> None:
        self.hidden.add(key)

    def run(self) -> None:
        pending = set(range(len(self.relations)))
        while True:
            self.rounds += 1
            self.group_sum_closure(pending)
            targets = self.exact_check()
            if not targets:
                self.publish_determined()
                return
            pending = set()
            for target, first, then in targets:
                # Earlier fixes in this round may already have covered this target.
                chosen = self.cheapest_neighbour(target, first, then)
                if chosen is not None:
                    self.hide(chosen)
                    pending.update(self.member_of[chosen])
            if not pending:
                stuck = sorted(map(repr, targets[0][0]))
                raise SuppressionError(f"no cell left to protect {stuck}")

    def publish_determined(self) -> None:
        """Show hidden cells of at least k that the published numbers determine anyway.

        Hiding a number anyone can work out protects nothing and only costs the reader:
        publishing it adds no constraint the published numbers did not already imply.
        """
        rows = self._hidden_rows()
        for component in _components(rows):
            if not any(index in self.active for index, _ in component):
                continue
            _, known, _ = self._determine(component)
            for key, value in known.items():
                cell = self.cells[key]
                if value >= self.k and cell.publishable and not cell.fixed:
                    self.hidden.discard(key)

    def group_sum_closure(self, pending: set[int]) -> None:
        """Hidden children of a published total must add up to 0 or at least k."""
        work = sorted(pending)
        queued = set(work)
        while work:
            index = work.pop()
            queued.discard(index)
            relation = self.relations[index]
            if relation.parent in self.hidden:
                continue
            hidden_sum = sum(self.cells[c].value for c in relation.children if c in self.hidden)
            if not 0 < hidden_sum < self.k:
                continue
            candidates = [c for c in relation.children if self.can_hide(c)]
            if candidates:
                chosen = min(candidates, key=lambda c: self.cells[c].cost(c))
            elif self.can_hide(relation.parent):
                chosen = relation.parent
            else:
                raise SuppressionError(
                    f"published total {relation.parent!r} leaves hidden cells adding to "
                    f"{hidden_sum}, and every other cell is fixed"
                )
            self.hide(chosen)
            for other in self.member_of[chosen]:
                if other not in queued:
                    queued.add(other)
                    work.append(other)
            if index not in queued:
                queued.add(index)
                work.append(index)

    def exact_check(self) -> list[tuple[frozenset[Key], frozenset[int], frozenset[int]]]:
        """Hidden cells or nested remainders worth 1..k-1 that published numbers determine.

        Only components holding a relation with a cell this release may still change are
        checked (the rest were checked when their release was built), and a component whose
        rows have not changed since the last round is not eliminated again.
        """
        rows = self._hidden_rows()
        targets: list[tuple[frozenset[Key], frozenset[int], frozenset[int]]] = []
        for component in _components(rows):
            if not any(index in self.active for index, _ in component):
                continue
            signature = frozenset((index, frozenset(row.items())) for index, row in component)
            found = self._checked.get(signature)
            if found is None:
                found = self._check_component(component)
                self._checked[signature] = found
            targets.extend(found)
        return targets

    def _hidden_rows(self) -> list[tuple[int, dict[Key, int]]]:
        """Each relation restricted to its hidden cells: children +1, a hidden parent -1."""
        rows: list[tuple[int, dict[Key, int]]] = []
        for index, relation in enumerate(self.relations):
            row: dict[Key, int] = {}
            for child in relation.children:
                if child in self.hidden:
                    row[child] = row.get(child, 0) + 1
            if relation.parent in self.hidden:
                row[relation.parent] = row.get(relation.parent, 0) - 1
            row = {key: coef for key, coef in row.items() if coef}
            if row:
                rows.append((index, row))
        return rows

    def _check_component(
        self, component: list[tuple[int, dict[Key, int]]]
    ) -> list[tuple[frozenset[Key], frozenset[int], frozenset[int]]]:
        """Problems in one component, as (cells at risk, relations to loosen).

        First find every hidden cell whose value the published numbers fix: by exact
        elimination, and by bounds (counts are never negative, so a hidden total is at least
        the sum of its published children and at most its published parent minus the
        siblings). A determined cell is as good as published. Then: no determined cell may
        hold 1..k-1 reports, and under every known total the undetermined hidden cells must
        add up to 0 or at least k, also for the difference of two nested such sets.
        """
        # Bounds alone are cheap and find most problems; eliminate only when they find none.
        found = self._problems(*self._determine(component, eliminate=False))
        if found:
            return found
        return self._problems(*self._determine(component, eliminate=True))

    def _problems(
        self,
        rows: list[tuple[int, dict[Key, int], int]],
        known: dict[Key, int],
        certificates: dict[Key, frozenset[int]],
    ) -> list[tuple[frozenset[Key], frozenset[int], frozenset[int]]]:
        found: list[tuple[frozenset[Key], frozenset[int], frozenset[int]]] = []
        for key, value in known.items():
            if 0 < value < self.k:
                found.append((frozenset([key]), certificates[key], frozenset()))
        remainders: dict[frozenset[Key], int] = {}
        for index, row, _ in rows:
            parent = self.relations[index].parent
            if parent in self.hidden and parent not in known:
                continue
            unknown = frozenset(k for k in row if k != parent and k not in known)
            if not unknown:
                continue
            value = sum(self.cells[k].value for k in unknown)
            if 0 < value < self.k:
                loosen = {i for k in row if k in known for i in certificates[k]}
                found.append((unknown, frozenset([index]), frozenset(loosen)))
            elif len(unknown) > 1:
                remainders[unknown] = index
        for rest, pair in self._nested_differences(remainders):
            found.append((rest, frozenset(pair), frozenset()))
        return found

    def _determine(self, component: list[tuple[int, dict[Key, int]]], eliminate: bool = True):
        """Rows with their published right-hand sides, and the hidden cells they determine."""
        rows = [(index, row, self._rhs(index)) for index, row in component]
        known: dict[Key, int] = {}
        certificates: dict[Key, frozenset[int]] = {}
        while True:
            reduced = []
            for index, row, rhs in rows:
                rest = {k: c for k, c in row.items() if k not in known}
                if rest:
                    reduced.append(
                        (index, rest, rhs - sum(c * known[k] for k, c in row.items() if k in known))
                    )
            found_new = False
            if eliminate:
                basis = _RowSpace([row for _, row, _ in reduced])
                for key in basis.derivable_singletons():
                    if key not in known:
                        known[key] = self.cells[key].value
                        certificates[key] = frozenset(reduced[i][0] for i in basis.certificate(key))
                        found_new = True
            for key in _pinned_by_bounds(reduced, known):
                known[key] = self.cells[key].value
                certificates[key] = frozenset(self.member_of[key])
                found_new = True
            if not found_new:
                break
        return rows, known, certificates

    def _rhs(self, index: int) -> int:
        """Sum of hidden children minus hidden parent, as the published numbers give it."""
        relation = self.relations[index]
        published_children = sum(
            self.cells[c].value for c in relation.children if c not in self.hidden
        )
        parent = 0 if relation.parent in self.hidden else self.cells[relation.parent].value
        return parent - published_children

    def _nested_differences(
        self, remainders: dict[frozenset[Key], int]
    ) -> list[tuple[frozenset[Key], tuple[int, int]]]:
        """Two published totals whose hidden sets nest pin the difference of the two sets."""
        unique = set(remainders)
        containing: dict[Key, list[frozenset[Key]]] = defaultdict(list)
        for remainder in unique:
            for key in remainder:
                containing[key].append(remainder)
        found = []
        for small in unique:
            rarest = min(small, key=lambda key: len(containing[key]))
            for large in containing[rarest]:
                if len(large) > len(small) and small < large:
                    rest = large - small
                    value = sum(self.cells[c].value for c in rest)
                    if 0 < value < self.k:
                        found.append((frozenset(rest), (remainders[small], remainders[large])))
        return found

    def cheapest_neighbour(
        self, target: frozenset[Key], first: frozenset[int], then: frozenset[int]
    ) -> Key | None:
        """The cheapest published cell in the relations that pin the target.

        ``first`` are the relations whose equation pins it directly (the published total
        over a small hidden rest), ``then`` those that determine cells it depends on.
        Hiding a cell there adds an unknown to an equation the derivation needs; if another
        derivation remains, the next round finds it. When every cell of those relations is
        already decided (a derivation through earlier releases and new hidden cells), the
        search widens one ring of relations at a time, through the hidden cells they share.
        """
        for tier in (first, then):
            candidates = {
                key
                for index in tier
                for key in (self.relations[index].parent, *self.relations[index].children)
                if self.can_hide(key)
            }
            if candidates:
                return min(candidates, key=lambda c: self.cells[c].cost(c))
        ring = set(first | then) or {i for key in target for i in self.member_of[key]}
        seen: set[int] = set()
        while ring:
            candidates = {
                key
                for index in ring
                for key in (self.relations[index].parent, *self.relations[index].children)
                if self.can_hide(key)
            }
            if candidates:
                return min(candidates, key=lambda c: self.cells[c].cost(c))
            seen |= ring
            ring = {
                other
                for index in ring
                for key in (self.relations[index].parent, *self.relations[index].children)
                if key in self.hidden
                for other in self.member_of[key]
                if other not in seen
            }
        return None


_INFINITY = 10**15


def _pinned_by_bounds(
    rows: list[tuple[int, dict[Key, int], int]], known: dict[Key, int]
) -> list[Key]:
    """Cells whose bounds meet, propagating ``sum(coef * x) = rhs`` with every x >= 0.

    Interval propagation to a fixpoint: a cheap, sound part of the attacker's linear
    program. What it pins, the attacker can pin; the exact elimination covers equalities.
    """
    low: dict[Key, int] = defaultdict(int)
    high: dict[Key, int] = {}
    rows_of: dict[Key, list[int]] = defaultdict(list)
    for position, (_, row, _) in enumerate(rows):
        for key in row:
            rows_of[key].append(position)
    work = list(range(len(rows)))
    queued = set(work)
    while work:
        position = work.pop()
        queued.discard(position)
        _, row, rhs = rows[position]
        least = most = 0
        for key, coef in row.items():
            hi = high.get(key, _INFINITY)
            least += coef * (low[key] if coef > 0 else hi)
            most += coef * (hi if coef > 0 else low[key])
        for key, coef in row.items():
            hi = high.get(key, _INFINITY)
            others_least = least - coef * (low[key] if coef > 0 else hi)
            others_most = most - coef * (hi if coef > 0 else low[key])
            if coef > 0:
                new_low, new_high = rhs - others_most, rhs - others_least
            else:
                new_low, new_high = others_least - rhs, others_most - rhs
            changed = False
            if new_low > low[key]:
                low[key] = new_low
                changed = True
            if new_high < hi:
                high[key] = new_high
                changed = True
            if changed:
                for other in rows_of[key]:
                    if other not in queued:
                        queued.add(other)
                        work.append(other)
    return [key for key, hi in high.items() if key not in known and low[key] == hi]


def _components(
    rows: list[tuple[int, dict[Key, int]]],
) -> list[list[tuple[int, dict[Key, int]]]]:
    """Rows grouped by the hidden cells they share (union-find)."""
    parent: dict[Key, Key] = {}

    def find(x: Key) -> Key:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for _, row in rows:
        keys = iter(row)
        first = find(next(keys))
        for other in keys:
            root = find(other)
            if root != first:
                parent[root] = first
    grouped: dict[Key, list[tuple[int, dict[Key, int]]]] = defaultdict(list)
    for item in rows:
        grouped[find(next(iter(item[1])))].append(item)
    return list(grouped.values())


class _RowSpace:
    """Reduced row echelon form of sparse integer rows modulo PRIME, with certificates.

    Each stored row remembers which input rows it combines (``combos``), so that for a
    derivable cell we know the relations that pin it, and can hide a cell in one of them.
    """

    def __init__(self, rows: list[dict[Key, int]]) -> None:
        self.pivots: dict[Key, dict[Key, int]] = {}
        self.combos: dict[Key, dict[int, int]] = {}
        self.rows_with: dict[Key, set[Key]] = defaultdict(set)  # column -> pivots using it
        # Sparse rows first keeps fill-in low.
        for index in sorted(range(len(rows)), key=lambda i: len(rows[i])):
            row = {k: v % PRIME for k, v in rows[index].items() if v % PRIME}
            self._insert(row, {index: 1})

    @staticmethod
    def _axpy(target: dict, coef: int, source: dict) -> None:
        """target -= coef * source (mod PRIME), dropping zeros."""
        for key, value in source.items():
            updated = (target.get(key, 0) - coef * value) % PRIME
            if updated:
                target[key] = updated
            else:
                target.pop(key, None)

    def _insert(self, row: dict[Key, int], combo: dict[int, int]) -> None:
        for key in [k for k in row if k in self.pivots]:
            coef = row.get(key)
            if coef:
                self._axpy(combo, coef, self.combos[key])
                self._axpy(row, coef, self.pivots[key])
        if not row:
            return
        pivot = min(row, key=repr)
        inverse = pow(row[pivot], PRIME - 2, PRIME)
        row = {k: (v * inverse) % PRIME for k, v in row.items()}
        combo = {k: (v * inverse) % PRIME for k, v in combo.items()}
        # Keep the form reduced: clear the new pivot's column from the existing rows.
        for other_pivot in list(self.rows_with.get(pivot, ())):
            other_row = self.pivots[other_pivot]
            coef = other_row.get(pivot)
            if not coef:
                continue
            before = set(other_row)
            self._axpy(other_row, coef, row)
            self._axpy(self.combos[other_pivot], coef, combo)
            for key in set(other_row) - before:
                self.rows_with[key].add(other_pivot)
            for key in before - set(other_row):
                self.rows_with[key].discard(other_pivot)
        self.pivots[pivot] = row
        self.combos[pivot] = combo
        for key in row:
            self.rows_with[key].add(pivot)

    def derivable_singletons(self) -> list[Key]:
        return [pivot for pivot, row in self.pivots.items() if len(row) == 1]

    def certificate(self, key: Key) -> list[int]:
        """Input rows whose combination pins a derivable singleton."""
        return sorted(self.combos.get(key, {}))
