"""The engine against the attacker's whole linear program, on tables where bounds fall short.

Bounds propagation and elimination are sound but not the whole linear program: a cell can
be fixed by several rows together with ``count >= 0``, and since counts are whole numbers a
cell whose range holds one whole number only is fixed too. Three-way tables with all their
margins (the product's tables cross organisation, category, role, severity and time the
same way) are not totally unimodular, so both happen. Here an auditor that knows only the
published cells solves linear programs over the table's leaves (``scipy.optimize.linprog``,
independently of the engine's own solver) and must find no hidden small cell it can pin.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from reporting.releases.disclosure import Cell, Relation, suppress
from reporting.releases.disclosure.polytope import AttackerProgram

STAR = "*"


def table(sizes: tuple[int, ...], leaves: dict[tuple, int]):
    """Every cell of a table with all its margins, and the relations between them."""
    axes = [[*range(n), STAR] for n in sizes]
    keys = list(itertools.product(*axes))
    values = {
        key: sum(
            n
            for leaf, n in leaves.items()
            if all(k in (STAR, v) for k, v in zip(key, leaf, strict=True))
        )
        for key in keys
    }
    cells = {
        key: Cell(value=values[key], coarseness=(sum(k == STAR for k in key),)) for key in keys
    }
    relations = []
    for key in keys:
        for axis, value in enumerate(key):
            if value == STAR:
                children = tuple(key[:axis] + (v,) + key[axis + 1 :] for v in range(sizes[axis]))
                relations.append(Relation(key, children))
    return cells, relations


def auditor_pins(sizes, leaves, published: dict[tuple, int], k: int) -> list:
    """Hidden cells of true value 1..k-1 whose LP range holds one whole number only."""
    leaf_keys = list(itertools.product(*[range(n) for n in sizes]))

    def vector(key):
        return np.array(
            [
                1.0 if all(k in (STAR, v) for k, v in zip(key, leaf, strict=True)) else 0.0
                for leaf in leaf_keys
            ]
        )

    a_eq = np.array([vector(key) for key in published]).reshape(-1, len(leaf_keys))
    b_eq = np.array([float(v) for v in published.values()])
    truth = np.array([float(leaves.get(leaf, 0)) for leaf in leaf_keys])
    assert np.allclose(a_eq @ truth, b_eq)
    if not published:
        return []
    pinned = []
    axes = [[*range(n), STAR] for n in sizes]
    for key in itertools.product(*axes):
        if key in published:
            continue
        goal = vector(key)
        value = round(goal @ truth)
        if not 0 < value < k:
            continue
        low = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0
        if high.status == 3:  # unbounded above
            continue
        top = -high.fun
        if math.ceil(low.fun - 1e-6) == math.floor(top + 1e-6):
            pinned.append((key, value, low.fun, top))
    return pinned


def random_leaves(rng: random.Random, sizes) -> dict[tuple, int]:
    leaves = {}
    for leaf in itertools.product(*[range(n) for n in sizes]):
        roll = rng.random()
        leaves[leaf] = 0 if roll < 0.3 else rng.randint(1, 4) if roll < 0.75 else rng.randint(5, 30)
    return leaves


def check(sizes, leaves, k=5):
    cells, relations = table(sizes, leaves)
    outcome = suppress(cells, relations, k)
    published = {key: c.value for key, c in cells.items() if key not in outcome.hidden}
    assert all(v >= k for v in published.values())
    for relation in relations:
        if relation.parent in outcome.hidden:
            continue
        rest = sum(cells[c].value for c in relation.children if c in outcome.hidden)
        assert rest == 0 or rest >= k, (relation, rest)
    return auditor_pins(sizes, leaves, published, k)


@pytest.mark.parametrize("seed", range(12))
def test_three_way_tables_leave_the_auditor_nothing_to_pin(seed):
    rng = random.Random(seed)
    sizes = (rng.randint(2, 4), rng.randint(2, 3), rng.randint(2, 3))
    assert check(sizes, random_leaves(rng, sizes)) == []


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.tuples(st.integers(2, 3), st.integers(2, 3), st.integers(2, 3)).flatmap(
        lambda sizes: st.tuples(
            st.just(sizes),
            st.lists(
                st.sampled_from([0, 0, 1, 2, 3, 4, 6, 12]),
                min_size=math.prod(sizes),
                max_size=math.prod(sizes),
            ),
        )
    )
)
def test_property_no_small_cell_is_pinned_by_the_whole_program(case):
    sizes, counts = case
    leaves = dict(zip(itertools.product(*[range(n) for n in sizes]), counts, strict=True))
    assert check(sizes, leaves) == []


# -- the solver module on its own -----------------------------------------------------------


def test_a_cell_fixed_only_by_whole_numbers_is_found():
    """x + y = 4, x + z = 4, y + z + w = 4, w + t = 1: x = 2 + w/2 with 0 <= w <= 1.

    No single row bounds x below 4, and elimination leaves x = 2 + w/2; the linear
    program gives x in [2, 2.5], which holds one whole number: 2.
    """
    rows = [
        (0, {"x": 1, "y": 1}, 4),
        (1, {"x": 1, "z": 1}, 4),
        (2, {"y": 1, "z": 1, "w": 1}, 4),
        (3, {"w": 1, "t": 1}, 1),
    ]
    program = AttackerProgram(rows)
    pinned = program.unmovable({"x": 2, "y": 2, "z": 2, "t": 1})
    by_key = {p.key: p for p in pinned}
    assert set(by_key) == {"x", "y", "z"}
    assert by_key["x"].low == pytest.approx(2) and by_key["x"].high == pytest.approx(2.5)
    assert by_key["x"].rows <= {0, 1, 2, 3} and by_key["x"].rows


def test_implicit_zeros_are_the_cells_no_point_makes_positive():
    """a + b = c and c + d = a: d is 0 at every point (and b with it); no row alone says so."""
    rows = [(0, {"a": 1, "b": 1, "c": -1}, 0), (1, {"c": 1, "d": 1, "a": -1}, 0)]
    program = AttackerProgram(rows)
    assert program.implicit_zeros(["a", "b", "c", "d"]) == {"b", "d"}
