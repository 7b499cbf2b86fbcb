"""The suppression loop: group sums, checks per component, and the cells hidden to fix them.

Each round closes the group-sum rule, then checks every connected component of hidden
cells that this release may still change; whatever a check finds is fixed by hiding more
cells, and the next round checks again. Only a round whose checks find nothing ends the
loop, so how cells are chosen affects how many cells are hidden and how many rounds it
takes, never what is guaranteed.

Hiding only ever adds cells, so the hidden part of each relation (its row) and the
components (a union-find over hidden cells) are kept up to date as cells are hidden rather
than rebuilt every round, and a component that gained no cell since its last check is not
checked again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable

from reporting.releases.disclosure import Cell, Protector, Relation, SuppressionError
from reporting.releases.disclosure.bounds import propagate
from reporting.releases.disclosure.polytope import AttackerProgram
from reporting.releases.disclosure.rowspace import RowSpace

Key = Hashable
Problem = tuple[frozenset, frozenset, frozenset]  # cells at risk, relations, then these


class Engine:
    def __init__(
        self,
        cells: dict[Key, Cell],
        relations: list[Relation],
        k: int,
        protector: Protector | None = None,
    ) -> None:
        self.cells = cells
        self.relations = relations
        self.k = k
        self.protector = protector
        self.member_of: dict[Key, list[int]] = defaultdict(list)
        for index, relation in enumerate(relations):
            self.member_of[relation.parent].append(index)
            for child in relation.children:
                self.member_of[child].append(index)
        self.rounds = 0
        # Relations with a cell this release may still decide; the rest were settled before.
        self.active = {
            index
            for index, relation in enumerate(relations)
            if any(not cells[key].fixed for key in (relation.parent, *relation.children))
        }
        self.hidden: set[Key] = set()
        self._order: list[Key] = []  # hidden cells in the order they were hidden
        self.rows: dict[int, dict[Key, int]] = {}  # relation -> its hidden cells, +1 / -1
        self._rhs: dict[int, int] = {}
        self._root: dict[Key, Key] = {}
        self._size: dict[Key, int] = {}
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

    # -- the hidden set, its rows and components ------------------------------------------

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

    def components(self) -> dict[Key, list[tuple[int, dict[Key, int]]]]:
        grouped: dict[Key, list[tuple[int, dict[Key, int]]]] = defaultdict(list)
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
        for chosen in self.cheapest_neighbour(target, first, then, wide=times >= 3):
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
        program = AttackerProgram(self._reduce(full, known))
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

    def _determine(
        self,
        component,
        eliminate: bool,
        reasons: dict | None = None,
        zeros: frozenset = frozenset(),
    ):
        """The hidden cells of a component that the published numbers determine.

        Bounds propagate to a fixpoint in one pass (a pinned cell's exact bounds already
        take part in it); elimination and bounds then alternate while either finds more.
        ``zeros`` are cells the linear program shows to be 0 at every feasible point.
        """
        known: dict[Key, int] = dict.fromkeys(zeros, 0)
        certificates: dict[Key, frozenset[int]] = {}
        rows = [(index, row, self.rhs(index)) for index, row in component]
        for key in zeros:
            certificates[key] = frozenset(index for index, row in component if key in row)
        rows = self._reduce(rows, known)
        while True:
            pinned, why = propagate(rows)
            if reasons is not None:
                for key, indexes in why.items():
                    reasons[key] = reasons.get(key, ()) + indexes
            for key in pinned:
                known[key] = self.cells[key].value
                certificates[key] = frozenset(why[key])
            if not eliminate:
                break
            rows = self._reduce(rows, known)
            basis = RowSpace([row for _, row, _ in rows])
            found_new = False
            for key in basis.derivable_singletons():
                if key not in known:
                    known[key] = self.cells[key].value
                    certificates[key] = frozenset(rows[i][0] for i in basis.certificate(key))
                    found_new = True
            if not found_new:
                break
            rows = self._reduce(rows, known)
        return known, certificates

    @staticmethod
    def _reduce(rows, known):
        """Rows with the known cells moved to the right-hand side."""
        reduced = []
        for index, row, rhs in rows:
            if any(key in known for key in row):
                rest = {key: coef for key, coef in row.items() if key not in known}
                if rest:
                    shift = sum(coef * known[key] for key, coef in row.items() if key in known)
                    reduced.append((index, rest, rhs - shift))
            else:
                reduced.append((index, row, rhs))
        return reduced

    def _problems(self, component, known, certificates) -> list[Problem]:
        found: list[Problem] = []
        for key, value in known.items():
            if 0 < value < self.k:
                found.append((frozenset([key]), certificates[key], frozenset()))
        remainders: dict[frozenset[Key], int] = {}
        for index, row in component:
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

    # -- choosing cells ---------------------------------------------------------------------

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
        wide: bool = False,
    ) -> list[Key]:
        """The cheapest published cell in the relations that pin the target.

        ``first`` are the relations whose equation pins it directly (the published total
        over a small hidden rest, or the rows behind a pinned cell's bounds), ``then`` those
        that determine cells it depends on, and then every relation of the target's cells
        (for a cell fixed by an earlier release, its relations to this release's cells).
        Hiding a cell there adds an unknown to an equation the derivation needs; if another
        derivation remains, the next round finds it. When all those cells are decided, the
        search widens one
        ring at a time: first through the rows behind the bounds of the hidden cells those
        relations hold (the derivation itself), then through every relation of those cells.
        ``wide`` takes the cheapest cell of every relation of the first tier or ring that
        has one, for a problem that one cell per round has not fixed.
        """
        own = {i for key in target for i in self.member_of[key]}
        for tier in (first, then, own):
            chosen = self._cheapest(tier, wide)
            if chosen:
                return chosen
        start = set(first | then) or own
        for widen in (self._reasons.get, self.member_of.__getitem__):
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
