"""The suppression loop: group sums, checks per component, and the cells hidden to fix them.

Each round closes the group-sum rule, then checks every connected component of hidden
cells that this release may still change; whatever a check finds is fixed by hiding more
cells, and the next round checks again. Only a round whose checks find nothing ends the
loop, so how cells are chosen affects how many cells are hidden and how many rounds it
takes, never what is guaranteed.

Hiding only ever adds cells, so the hidden set keeps its rows and components up to date
(`hidden`), and a component that gained no cell since its last check is not checked again.
The exact checks themselves are plain functions (`derivation`); the whole linear program is
`polytope`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable

from reporting.releases.disclosure import Cell, Protector, Relation, SuppressionError
from reporting.releases.disclosure.derivation import (
    Problem,
    determine,
    reduce_rows,
    small_problems,
)
from reporting.releases.disclosure.hidden import HiddenCells
from reporting.releases.disclosure.polytope import AttackerProgram

Key = Hashable


class Engine(HiddenCells):
    """One build's suppression: the hidden cells (`HiddenCells`) and the loop that grows them."""

    def __init__(
        self,
        cells: dict[Key, Cell],
        relations: list[Relation],
        k: int,
        protector: Protector | None = None,
    ) -> None:
        super().__init__(cells, relations)
        self.k = k
        self.protector = protector
        self.rounds = 0
        # Relations with a cell this release may still decide; the rest were settled before.
        self.active = {
            index
            for index, relation in enumerate(relations)
            if any(not cells[key].fixed for key in (relation.parent, *relation.children))
        }
        self._checked: dict[Key, tuple[int, list[Problem], dict, dict]] = {}
        self._known: dict[Key, dict[Key, int]] = {}  # component root -> its determined cells
        self.notes: list[str] = []
        self._moves: set[Key] = set()  # small cells a feasible point moves by a report
        self._positive: set[Key] = set()  # cells a feasible point makes positive
        self._reasons: dict[Key, tuple[int, ...]] = {}
        self._seen: Counter[frozenset] = Counter()  # rounds in which a problem was found
        for key, cell in cells.items():
            if cell.fixed:
                if cell.fixed_hidden:
                    self.hide(key)
            elif not cell.publishable or cell.value < k:
                self.hide(key)

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        pending = set(range(len(self.relations)))
        while True:
            self.rounds += 1
            self.group_sum_closure(pending)
            targets = self.exact_check()
            if not targets:
                self.publish_determined()
                return
            before = len(self._order)
            for target, first, then in targets:
                self.fix(target, first, then)
            if len(self._order) == before:
                stuck = sorted(map(repr, targets[0][0]))
                raise SuppressionError(f"no cell left to protect {stuck}")
            pending = {index for key in self._order[before:] for index in self.member_of[key]}

    def fix(self, target: frozenset, first: frozenset, then: frozenset) -> None:
        """Hide cells so that this problem goes away (the next round checks that it did).

        The first time, one cell: the cheapest in the relations that pin the target. A
        problem found again is usually pinned by many routes at once (a quarter that its
        year repeats, a residual that every table adds up to), so it gets a whole
        protection box from the protector when there is one. Without a box (a cell fixed
        by an earlier release may need more than one box), from the third time on the
        cheapest cell of every relation in the pinning set is hidden, not only one.
        """
        times = self._seen[target]
        self._seen[target] += 1
        if self.protector is not None and times >= 2:
            box = self.protector(target, self.cells, self.hidden.__contains__, self.can_hide)
            if box is not None:
                for chosen in box:
                    self.hide(chosen)
                return
        for chosen in self.cheapest_neighbour(target, first, then, self._reasons, wide=times >= 3):
            self.hide(chosen)

    def publish_determined(self) -> None:
        """Show hidden cells of at least k that the published numbers determine anyway.

        Hiding a number anyone can work out protects nothing and only costs the reader:
        publishing it adds no constraint the published numbers did not already imply.
        """
        shown = []
        for root, component in self.components().items():
            if not any(index in self.active for index, _ in component):
                continue
            for key, value in self._known.get(root, {}).items():
                cell = self.cells[key]
                if value >= self.k and cell.publishable and not cell.fixed:
                    shown.append(key)
        self.hidden.difference_update(shown)

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

    # -- the checks -------------------------------------------------------------------------

    def exact_check(self) -> list[Problem]:
        """Hidden cells or nested remainders worth 1..k-1 that published numbers determine.

        Only components holding a relation with a cell this release may still change are
        checked (the rest were checked when their release was built), and a component that
        has gained no hidden cell since its last check is not checked again.
        """
        targets: list[Problem] = []
        reasons: dict[Key, tuple[int, ...]] = {}
        checked = {}
        for root, component in self.components().items():
            if not any(index in self.active for index, _ in component):
                continue
            size = self._size[root]
            found = self._checked.get(root)
            if found is None or found[0] != size:
                found = (size, *self._check_component(component))
            checked[root] = found
            targets.extend(found[1])
            reasons.update(found[2])
            self._known[root] = found[3]
        self._checked = checked
        self._reasons = reasons
        return targets

    def _check_component(self, component) -> tuple[list[Problem], dict, dict]:
        """Problems in one component, the reasons for bounds, and the determined cells.

        First find every hidden cell whose value the published numbers fix: by bounds
        (counts are never negative, so a hidden total is at least the sum of its published
        children and at most its published parent minus the siblings) and, when bounds
        find no problem, by exact elimination too. A determined cell is as good as
        published. Then: no determined cell may hold 1..k-1 reports, and under every known
        total the undetermined hidden cells must add up to 0 or at least k, also for the
        difference of two nested such sets. Then the whole linear program
        (``_program_problems``).
        """
        reasons: dict[Key, tuple[int, ...]] = {}
        known, certificates = self._determine(component, eliminate=False, reasons=reasons)
        found = self._problems(component, known, certificates)
        if not found:
            known, certificates = self._determine(component, eliminate=True, reasons=reasons)
            found = self._problems(component, known, certificates)
        if not found:
            found, known = self._program_problems(component, known, reasons)
        return found, reasons, known

    def _program_problems(self, component, known, reasons) -> tuple[list[Problem], dict]:
        """What the whole linear program finds that bounds and elimination did not.

        Since counts are whole numbers, every small hidden cell must be able to move by one
        report either way. Then the cells that are 0 at every feasible point: with those
        known, elimination finds every cell the program fixes, for the remainder rules.

        Hiding a cell only widens the feasible set, so a cell once shown to move, or to be
        positive somewhere, stays so for the rest of the build and is not asked again.
        """
        full = [(index, row, self.rhs(index)) for index, row in component]
        program = AttackerProgram(reduce_rows(full, known))
        truth = {
            key: self.cells[key].value
            for key in program.keys
            if key not in known and key not in self._moves and 0 < self.cells[key].value < self.k
        }
        pinned = self._unless_released(program.unmovable(truth), full)
        self._moves.update(set(truth) - {p.key for p in pinned})
        found = [(frozenset([p.key]), p.rows, frozenset()) for p in pinned]
        self._positive |= program.positive()
        if found:
            return found, known
        candidates = [
            key
            for key in program.keys
            if key not in known and key not in self._positive and self.cells[key].value == 0
        ]
        zeros = frozenset(program.implicit_zeros(candidates))
        self._positive.update(set(candidates) - zeros)
        if zeros:
            known, certificates = self._determine(
                component, eliminate=True, reasons=reasons, zeros=zeros
            )
            found += self._problems(component, known, certificates)
        return found, known

    def _unless_released(self, pinned: list, rows) -> list:
        """Leave out cells that earlier releases alone already pin (``rows`` unreduced, so
        that nothing this release publishes takes part).

        Releases are frozen. A cell of an earlier release that its own release's numbers
        already pin (a release built before this check existed) cannot be unpinned by
        anything this release hides; it is noted, not fixed. A cell that only this
        release's numbers pin is a problem like any other.
        """
        fixed = [p for p in pinned if self.cells[p.key].fixed]
        if not fixed:
            return pinned
        earlier = AttackerProgram([row for row in rows if row[0] not in self.active])
        already = {
            p.key for p in earlier.unmovable({p.key: self.cells[p.key].value for p in fixed})
        }
        for key in sorted(already, key=repr):
            self.notes.append(f"pinned by earlier releases alone: {key!r}")
        return [p for p in pinned if p.key not in already]

    def _determine(self, component, eliminate: bool, reasons=None, zeros=frozenset()):
        rows = [(index, row, self.rhs(index)) for index, row in component]
        return determine(rows, self._value, eliminate=eliminate, reasons=reasons, zeros=zeros)

    def _problems(self, component, known, certificates) -> list[Problem]:
        return small_problems(
            component,
            known,
            certificates,
            k=self.k,
            value_of=self._value,
            parent_of=self._parent,
            hidden=self.hidden,
        )

    def _value(self, key: Key) -> int:
        return self.cells[key].value

    def _parent(self, index: int) -> Key:
        return self.relations[index].parent
