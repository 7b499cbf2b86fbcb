"""What an attacker derives from published numbers: determined cells and small remainders.

The engine's exact checks on one component of hidden cells, as plain functions over its
rows (``(relation index, {cell: ±1}, right-hand side)``): which hidden cells bounds and
elimination determine, with the relations that prove it (certificates, so a fix knows where
to hide more), and which determined cells or remainders hold 1..k-1 reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

from reporting.releases.disclosure.bounds import propagate
from reporting.releases.disclosure.rowspace import RowSpace

Key = Hashable
Rows = list[tuple[int, dict[Key, int], int]]
Problem = tuple[frozenset, frozenset, frozenset]  # cells at risk, relations, then these


def reduce_rows(rows: Rows, known: dict[Key, int]) -> Rows:
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


def determine(
    rows: Rows,
    value_of: Callable[[Key], int],
    *,
    eliminate: bool,
    reasons: dict | None = None,
    zeros: frozenset = frozenset(),
) -> tuple[dict[Key, int], dict[Key, frozenset[int]]]:
    """The hidden cells of a component that the published numbers determine.

    Bounds propagate to a fixpoint in one pass (a pinned cell's exact bounds already
    take part in it); elimination and bounds then alternate while either finds more.
    ``zeros`` are cells the linear program shows to be 0 at every feasible point.
    """
    known: dict[Key, int] = dict.fromkeys(zeros, 0)
    certificates: dict[Key, frozenset[int]] = {}
    for key in zeros:
        certificates[key] = frozenset(index for index, row, _ in rows if key in row)
    rows = reduce_rows(rows, known)
    while True:
        pinned, why = propagate(rows)
        if reasons is not None:
            for key, indexes in why.items():
                reasons[key] = reasons.get(key, ()) + indexes
        for key in pinned:
            known[key] = value_of(key)
            certificates[key] = frozenset(why[key])
        if not eliminate:
            break
        rows = reduce_rows(rows, known)
        basis = RowSpace([row for _, row, _ in rows])
        found_new = False
        for key in basis.derivable_singletons():
            if key not in known:
                known[key] = value_of(key)
                certificates[key] = frozenset(rows[i][0] for i in basis.certificate(key))
                found_new = True
        if not found_new:
            break
        rows = reduce_rows(rows, known)
    return known, certificates


def small_problems(
    component: Iterable[tuple[int, dict[Key, int]]],
    known: dict[Key, int],
    certificates: dict[Key, frozenset[int]],
    *,
    k: int,
    value_of: Callable[[Key], int],
    parent_of: Callable[[int], Key],
    hidden: set[Key],
) -> list[Problem]:
    """Determined cells of 1..k-1, and undetermined remainders of 1..k-1 under known totals."""
    found: list[Problem] = []
    for key, value in known.items():
        if 0 < value < k:
            found.append((frozenset([key]), certificates[key], frozenset()))
    remainders: dict[frozenset[Key], int] = {}
    for index, row in component:
        parent = parent_of(index)
        if parent in hidden and parent not in known:
            continue
        unknown = frozenset(c for c in row if c != parent and c not in known)
        if not unknown:
            continue
        value = sum(value_of(c) for c in unknown)
        if 0 < value < k:
            loosen = {i for c in row if c in known for i in certificates[c]}
            found.append((unknown, frozenset([index]), frozenset(loosen)))
        elif len(unknown) > 1:
            remainders[unknown] = index
    for rest, pair in nested_differences(remainders, k=k, value_of=value_of):
        found.append((rest, frozenset(pair), frozenset()))
    return found


def nested_differences(
    remainders: dict[frozenset[Key], int], *, k: int, value_of: Callable[[Key], int]
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
                value = sum(value_of(c) for c in rest)
                if 0 < value < k:
                    found.append((frozenset(rest), (remainders[small], remainders[large])))
    return found
