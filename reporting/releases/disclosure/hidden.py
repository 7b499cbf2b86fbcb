"""The hidden cells of a build, kept up to date as cells are hidden: rows and components.

Hiding only ever adds cells, so the hidden part of each relation (its row: +1 for a hidden
child, -1 for a hidden parent), its right-hand side from the published numbers, and the
connected components of hidden cells (a union-find) are updated cell by cell rather than
rebuilt every round of the engine. Choosing the next cells to hide (the cheapest still
published near a problem) reads only this state, so it lives here too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping

from reporting.releases.disclosure import Cell, Relation

Key = Hashable
Row = dict[Key, int]


class HiddenCells:
    """Which cells are hidden, in the order they were hidden, with their rows and components."""

    def __init__(self, cells: dict[Key, Cell], relations: list[Relation]) -> None:
        self.cells = cells
        self.relations = relations
        self.member_of: dict[Key, list[int]] = defaultdict(list)
        for index, relation in enumerate(relations):
            self.member_of[relation.parent].append(index)
            for child in relation.children:
                self.member_of[child].append(index)
        self.hidden: set[Key] = set()
        self._order: list[Key] = []  # hidden cells in the order they were hidden
        self.rows: dict[int, Row] = {}  # relation -> its hidden cells, +1 / -1
        self._rhs: dict[int, int] = {}
        self._root: dict[Key, Key] = {}
        self._size: dict[Key, int] = {}

    def can_hide(self, key: Key) -> bool:
        return key not in self.hidden and not self.cells[key].fixed

    def hide(self, key: Key) -> None:
        if key in self.hidden:
            return
        self.hidden.add(key)
        self._order.append(key)
        self._root[key] = key
        self._size[key] = 1
        for index in self.member_of[key]:
            row = self.rows.get(index)
            if row is None:
                row = self.rows[index] = {}
            else:
                self._union(key, next(iter(row)))
            row[key] = -1 if self.relations[index].parent == key else 1
            self._rhs.pop(index, None)

    def _find(self, key: Key) -> Key:
        root = key
        while self._root[root] != root:
            root = self._root[root]
        while self._root[key] != root:
            self._root[key], key = root, self._root[key]
        return root

    def _union(self, a: Key, b: Key) -> None:
        a, b = self._find(a), self._find(b)
        if a == b:
            return
        if self._size[a] < self._size[b]:
            a, b = b, a
        self._root[b] = a
        self._size[a] += self._size[b]

    def components(self) -> dict[Key, list[tuple[int, Row]]]:
        """The rows of each connected component of hidden cells, by the component's root."""
        grouped: dict[Key, list[tuple[int, Row]]] = defaultdict(list)
        for index, row in self.rows.items():
            grouped[self._find(next(iter(row)))].append((index, row))
        return grouped

    def rhs(self, index: int) -> int:
        """Sum of hidden children minus hidden parent, as the published numbers give it."""
        found = self._rhs.get(index)
        if found is None:
            relation = self.relations[index]
            hidden = self.hidden
            published_children = sum(
                self.cells[c].value for c in relation.children if c not in hidden
            )
            parent = 0 if relation.parent in hidden else self.cells[relation.parent].value
            found = self._rhs[index] = parent - published_children
        return found

    # -- choosing cells to hide ------------------------------------------------------------

    def _cells_of(self, indexes):
        for index in indexes:
            relation = self.relations[index]
            yield relation.parent
            yield from relation.children

    def _cheapest(self, indexes, wide: bool = False) -> list[Key]:
        """The cheapest cell still published in these relations (in each of them if wide)."""
        groups = [[index] for index in sorted(indexes)] if wide else [indexes]
        chosen = set()
        for group in groups:
            candidates = {key for key in self._cells_of(group) if self.can_hide(key)}
            if candidates:
                chosen.add(min(candidates, key=lambda c: self.cells[c].cost(c)))
        return sorted(chosen, key=lambda c: self.cells[c].cost(c))

    def cheapest_neighbour(
        self,
        target: frozenset[Key],
        first: frozenset[int],
        then: frozenset[int],
        reasons: Mapping[Key, tuple[int, ...]],
        wide: bool = False,
    ) -> list[Key]:
        """The cheapest published cell in the relations that pin the target.

        ``first`` are the relations whose equation pins it directly (the published total
        over a small hidden rest, or the rows behind a pinned cell's bounds), ``then`` those
        that determine cells it depends on, and then every relation of the target's cells
        (for a cell fixed by an earlier release, its relations to this release's cells).
        Hiding a cell there adds an unknown to an equation the derivation needs; if another
        derivation remains, the next round finds it. When all those cells are decided, the
        search widens one ring at a time: first through ``reasons`` (the rows behind the
        bounds of the hidden cells those relations hold: the derivation itself), then
        through every relation of those cells.
        ``wide`` takes the cheapest cell of every relation of the first tier or ring that
        has one, for a problem that one cell per round has not fixed.
        """
        own = {i for key in target for i in self.member_of[key]}
        for tier in (first, then, own):
            chosen = self._cheapest(tier, wide)
            if chosen:
                return chosen
        start = set(first | then) or own
        for widen in (reasons.get, self.member_of.__getitem__):
            ring, seen = set(start), set(start)
            while ring:
                ring = {
                    other
                    for key in self._cells_of(ring)
                    if key in self.hidden
                    for other in widen(key) or ()
                    if other not in seen
                }
                seen |= ring
                chosen = self._cheapest(ring, wide)
                if chosen:
                    return chosen
        return []
