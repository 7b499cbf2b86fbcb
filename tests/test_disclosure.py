"""Unit tests for the pure suppression engine (reporting.releases.disclosure)."""

from __future__ import annotations

import pytest

from reporting.releases.disclosure import Cell, Relation, SuppressionError, suppress

K = 5


def two_by_two(a=2, b=10, c=10, d=10, fixed=None):
    """Rows r1 = a + b, r2 = c + d; columns c1 = a + c, c2 = b + d; total t."""
    values = {"a": a, "b": b, "c": c, "d": d}
    values.update(r1=a + b, r2=c + d, c1=a + c, c2=b + d, t=a + b + c + d)
    level = {"a": 0, "b": 0, "c": 0, "d": 0, "r1": 1, "r2": 1, "c1": 1, "c2": 1, "t": 2}
    cells = {key: Cell(value=v, coarseness=(level[key],)) for key, v in values.items()}
    for key, hidden in (fixed or {}).items():
        cells[key].fixed = True
        cells[key].fixed_hidden = hidden
    relations = [
        Relation("r1", ("a", "b")),
        Relation("r2", ("c", "d")),
        Relation("c1", ("a", "c")),
        Relation("c2", ("b", "d")),
        Relation("t", ("r1", "r2")),
        Relation("t", ("c1", "c2")),
    ]
    return cells, relations


def published_rests_are_safe(cells, relations, hidden) -> bool:
    for relation in relations:
        if relation.parent in hidden:
            continue
        rest = sum(cells[c].value for c in relation.children if c in hidden)
        if 0 < rest < K:
            return False
    return True


def test_classic_two_by_two_hides_the_four_cell_pattern():
    cells, relations = two_by_two()
    outcome = suppress(cells, relations, K)
    assert outcome.hidden == {"a", "b", "c", "d"}
    assert published_rests_are_safe(cells, relations, outcome.hidden)


def test_hidden_at_least_k_counts_the_complements():
    cells, relations = two_by_two()
    assert suppress(cells, relations, K).hidden_at_least_k == 3


def test_zeros_are_hidden_and_need_no_complement():
    cells, relations = two_by_two(a=0)
    outcome = suppress(cells, relations, K)
    assert outcome.hidden == {"a"}
    assert outcome.hidden_at_least_k == 0


def test_group_sum_rule_reaches_a_fixpoint_across_levels():
    values = {"t": 40, "x": 2, "y": 7, "z": 31, "y1": 3, "y2": 4, "z1": 30, "z2": 1}
    level = {"t": 2, "x": 1, "y": 1, "z": 1, "y1": 0, "y2": 0, "z1": 0, "z2": 0}
    cells = {key: Cell(value=v, coarseness=(level[key],)) for key, v in values.items()}
    relations = [
        Relation("t", ("x", "y", "z")),
        Relation("y", ("y1", "y2")),
        Relation("z", ("z1", "z2")),
    ]
    outcome = suppress(cells, relations, K)
    hidden = outcome.hidden
    assert {"x", "y1", "y2", "z2"} <= hidden  # primary
    assert "z1" in hidden  # z2's only sibling
    assert "y" in hidden  # x's rest under t would be 2
    assert "t" not in hidden
    assert published_rests_are_safe(cells, relations, hidden)


def test_same_input_same_output():
    first = suppress(*two_by_two(a=3, b=6, c=8, d=1), K)
    second = suppress(*two_by_two(a=3, b=6, c=8, d=1), K)
    assert first.hidden == second.hidden
    assert first.hidden_at_least_k == second.hidden_at_least_k


@pytest.mark.parametrize("k", [0, 1, 2])
def test_threshold_below_three_is_refused(k):
    with pytest.raises(ValueError):
        suppress(*two_by_two(), k)


def test_fixed_cells_never_change():
    # b published and c hidden by an earlier release: the engine works around them.
    cells, relations = two_by_two(fixed={"b": False, "c": True})
    outcome = suppress(cells, relations, K)
    assert "b" not in outcome.hidden
    assert "c" in outcome.hidden
    assert {"a", "d"} <= outcome.hidden or "r1" in outcome.hidden
    assert published_rests_are_safe(cells, relations, outcome.hidden)


def test_fixed_cells_that_leave_no_protection_are_an_error():
    cells = {
        "t": Cell(12, fixed=True),
        "a": Cell(2),
        "b": Cell(10, fixed=True),
    }
    with pytest.raises(SuppressionError):
        suppress(cells, [Relation("t", ("a", "b"))], K)


def test_residual_cells_are_hidden_and_protected():
    cells = {
        "t": Cell(20, coarseness=(1,)),
        "u": Cell(17, coarseness=(0,)),
        "rest": Cell(3, publishable=False, coarseness=(0,)),
    }
    outcome = suppress(cells, [Relation("t", ("u", "rest"))], K)
    assert "rest" in outcome.hidden
    assert "u" in outcome.hidden or "t" in outcome.hidden
    assert outcome.hidden_at_least_k == 1


# -- the pieces: bounds with reasons, protection boxes -------------------------------------


def test_bounds_pin_a_cell_and_name_the_rows_behind_it():
    from reporting.releases.disclosure.bounds import propagate

    # Relation 7: a + b = 4 (published total 4); relation 9: b - c = 0 and c <= 0 via 3: c = 0.
    rows = [(7, {"a": 1, "b": 1}, 4), (9, {"b": 1, "c": -1}, 0), (3, {"c": 1}, 0)]
    pinned, reasons = propagate(rows)
    assert set(pinned) == {"a", "b", "c"}
    assert 7 in reasons["a"] and 3 in reasons["c"]
    # Nothing pins two cells that only share a total.
    pinned, _ = propagate([(1, {"x": 1, "y": 1}, 9)])
    assert pinned == []


def _december_system():
    from reporting.releases import cube
    from reporting.releases.builder import assemble

    mapping = cube.OrgMapping(
        departments=("d1", "d2"),
        units={"u1": ("d1", True), "u2": ("d1", True), "u3": ("d2", True), "s": ("d2", False)},
        categories=(("near-miss", "fall"), ("near-miss", "medication"), ("moral-distress", "x")),
    )
    builder = cube.CubeBuilder(mapping)
    leaves = {
        (unit, kind, category, role, "low"): 6
        for unit in ("u1", "u2", "u3", "s")
        for kind, category in mapping.categories
        for role in ("nursing", "medical")
    }
    leaves[("u1", "near-miss", "fall", "nursing", "low")] = 3
    leaves[("u1", "near-miss", "fall", "medical", "low")] = 0
    month_values = {
        f"2026-{m:02d}": builder.month_values(f"2026-{m:02d}", leaves) for m in range(10, 13)
    }
    cells, relations, _ = assemble(builder, "2026-12", month_values, {})
    return builder, cells, relations


def test_every_protection_box_moves_reports_without_changing_any_relation():
    import itertools
    import random

    from reporting.releases import protection

    builder, cells, relations = _december_system()
    protector = protection.Protector(builder, {key[0] for key in cells})
    target = ("2026-Q4", "d:d1", "near-miss", "*", "nursing", "*")
    options = []
    for chains, node in protector._attributes(target):
        under = [leaf for leaf, chain in chains.items() if node in chain]
        outside = [leaf for leaf, chain in chains.items() if node not in chain]
        options.append([(a, b) for a in under for b in [None, *outside]])
    choices = list(itertools.product(*options))
    for choice in random.Random(5).sample(choices, 300):
        move = dict(protector.support(choice, cells))
        for relation in relations:
            assert move.get(relation.parent, 0) == sum(move.get(c, 0) for c in relation.children)


def _range_of(target, cells, relations, hidden):
    """The attacker's linear program: min and max of ``target`` given every published cell."""
    from scipy.optimize import linprog

    columns = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(columns)}
    a_eq, b_eq = [], []
    for relation in relations:
        row = [0.0] * len(columns)
        rhs = 0.0
        for key, coef in [(relation.parent, -1.0)] + [(c, 1.0) for c in relation.children]:
            if key in index:
                row[index[key]] += coef
            else:
                rhs -= coef * cells[key].value
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    goal = [0.0] * len(columns)
    goal[index[target]] = 1.0
    low = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog([-g for g in goal], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return low.fun, -high.fun


def test_a_protection_box_unpins_the_target():
    from reporting.releases import protection

    builder, cells, relations = _december_system()
    protector = protection.Protector(builder, {key[0] for key in cells})
    target = ("2026-12", "u:u1", "near-miss", "fall", "*", "*")
    residuals = {key for key in cells if not cells[key].publishable}
    hidden = {target} | residuals
    low, high = _range_of(target, cells, relations, hidden)
    assert low == high == 3  # pinned: every other number is published
    box = protector.protect(frozenset([target]), cells, hidden.__contains__, lambda key: True)
    assert box and target not in box
    low, high = _range_of(target, cells, relations, hidden | set(box))
    assert low < high
