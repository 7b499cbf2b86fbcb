"""Interval propagation over the hidden part of a component, with the reason for each bound.

Each row says ``sum(children) - parent = rhs`` over hidden cells (coefficients +1 and -1),
with every count at least 0. Propagating bounds to a fixpoint is a cheap, sound part of the
attacker's linear program: a cell whose lower and upper bounds meet is pinned, and what
this finds the attacker can find too (the exact elimination covers pure equalities).

Kept apart from the engine because it is the hot loop of a release build: cells are
numbered and bounds kept in lists, and the row that last moved each bound is recorded, so
that a pinned cell can be explained by the rows that pin it (the engine hides a cell in
those rows, and not in rows that played no part).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

Key = Hashable
INFINITE = None


def propagate(
    rows: Sequence[tuple[int, dict[Key, int], int]],
) -> tuple[list[Key], dict[Key, tuple[int, ...]]]:
    """Cells whose bounds meet, and for every bounded cell the rows behind its bounds.

    ``rows`` are ``(relation index, {cell: +1 or -1}, rhs)``.
    """
    number: dict[Key, int] = {}
    keys: list[Key] = []
    plus: list[list[int]] = []
    minus: list[list[int]] = []
    rhs_of: list[int] = []
    rows_of: list[list[int]] = []
    for position, (_, row, rhs) in enumerate(rows):
        p: list[int] = []
        m: list[int] = []
        for key, coef in row.items():
            i = number.get(key)
            if i is None:
                i = number[key] = len(keys)
                keys.append(key)
                rows_of.append([])
            rows_of[i].append(position)
            (p if coef > 0 else m).append(i)
        plus.append(p)
        minus.append(m)
        rhs_of.append(rhs)
    n = len(keys)
    low = [0] * n
    high: list[int | None] = [None] * n
    low_why = [-1] * n
    high_why = [-1] * n
    work = list(range(len(rows)))
    queued = [True] * len(rows)
    while work:
        position = work.pop()
        queued[position] = False
        p, m, rhs = plus[position], minus[position], rhs_of[position]
        low_p = sum(low[i] for i in p)
        low_m = sum(low[i] for i in m)
        high_p = 0
        open_p = 0
        for i in p:
            h = high[i]
            if h is None:
                open_p += 1
            else:
                high_p += h
        high_m = 0
        open_m = 0
        for i in m:
            h = high[i]
            if h is None:
                open_m += 1
            else:
                high_m += h
        changed: list[int] = []
        # x in p: x = rhs - (others in p) + (all of m)
        for i in p:
            lo, hi = low[i], high[i]
            new_high = None if open_m else rhs - (low_p - lo) + high_m
            if hi is None:
                others_open, others_high = open_p - 1, high_p
            else:
                others_open, others_high = open_p, high_p - hi
            new_low = None if others_open else rhs - others_high + low_m
            moved = False
            if new_low is not None and new_low > lo:
                low[i] = new_low
                low_why[i] = position
                moved = True
            if new_high is not None and (hi is None or new_high < hi):
                high[i] = new_high
                high_why[i] = position
                moved = True
            if moved:
                changed.append(i)
        # x in m: x = (all of p) - (others in m) - rhs
        for i in m:
            lo, hi = low[i], high[i]
            new_high = None if open_p else high_p - (low_m - lo) - rhs
            if hi is None:
                others_open, others_high = open_m - 1, high_m
            else:
                others_open, others_high = open_m, high_m - hi
            new_low = None if others_open else low_p - others_high - rhs
            moved = False
            if new_low is not None and new_low > lo:
                low[i] = new_low
                low_why[i] = position
                moved = True
            if new_high is not None and (hi is None or new_high < hi):
                high[i] = new_high
                high_why[i] = position
                moved = True
            if moved:
                changed.append(i)
        for i in changed:
            for other in rows_of[i]:
                if not queued[other]:
                    queued[other] = True
                    work.append(other)
    pinned = [keys[i] for i in range(n) if high[i] is not None and low[i] == high[i]]
    reasons: dict[Key, tuple[int, ...]] = {}
    for i in range(n):
        why = {rows[w][0] for w in (low_why[i], high_why[i]) if w >= 0}
        if why:
            reasons[keys[i]] = tuple(why)
    return pinned, reasons
