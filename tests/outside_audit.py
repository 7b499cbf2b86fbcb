"""An outside audit of the trends API: everything a leadership token can ask, in one LP.

The auditor holds a leadership token and nothing else. Releases are built month by month as
in production (the clock steps past each month's end and the due release is built, as
`reporting release` from cron does), then ``GET /api/v1/trends`` is asked every query the
surface allows (``trends.parse_query`` decides what is allowed, exactly as the API does):
each granularity, each table's every grouping, and each dimension not grouped filtered to
each of its values, alone or two at a time, over every released period. Every number that
comes back is collected by cell (``attacker.cell_id``); two routes to one cell must agree,
and a cell outside the published surface must come back null.

Then every published number goes into one linear program over the leaf unknowns
(``attacker.Structure``; the two calendar years share no unknowns, so each year is its own
system), counts >= 0, and for each hidden cell whose true value is 1..k-1 the least and
greatest value it can take is solved. Residual cells (``rd:<department>``, ``r*``: small units,
department-only and unit-not-given reports) are never published and are targets too.

A target is PINNED when the published numbers fix it to one whole number in 1..k-1:
``ceil(min - 1e-6) == floor(max + 1e-6)`` (counts are whole numbers, so an interval narrower
than one that holds a single integer names it). Hidden cells whose truth is 0 or at least k
are not solved: the truth is a feasible point of the system, so the interval holds the
truth, and an interval holding a single integer that is 0 or >= k pins nothing small. For
the same reason, a target is settled as soon as any feasible point (the truth aside) gives it
a value at least one away from its truth: every LP solution found is such a point, and all
open targets are checked against it before the next LP, which settles most of them free.

Also required: every published count is at least k and equals the truth from the reports,
and under every published total, for each partition of it into cells of the surface
(``Structure.children``), the hidden remainder (total minus its published children) is 0 or
at least k.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from attacker import (
    RESIDUAL,
    TABLES,
    Attacker,
    CellId,
    Structure,
    cell_id,
    fresh_app,
    get,
    granularity_of,
    in_period,
    leadership_token,
    look_again,
    store_reports,
)
from conftest import FixedClock
from hospitals import Hospital, hospital
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from reporting.releases import trends
from reporting.taxonomy import KINDS, ROLES, SEVERITIES, Taxonomy
from reporting.web.services import services

GRANULARITIES = ("month", "quarter", "year")
TOLERANCE = 1e-6


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinned:
    cell: CellId
    truth: int
    low: float
    high: float
    # The LP duals: published cells (multiplier, cell, count) whose combination, with
    # counts >= 0, gives the lower and the upper bound.
    why_low: tuple = ()
    why_high: tuple = ()

    def __str__(self) -> str:
        return f"{show(self.cell)}: truth {self.truth}, LP min {self.low:g}, max {self.high:g}"

    def explained(self) -> str:
        lines = [str(self)]
        for name, terms in (("min", self.why_low), ("max", self.why_high)):
            shown = " ".join(f"{c:+g} x {show(cid)} ({n})" for c, cid, n in terms)
            lines.append(f"      {name} {sum(c * n for c, _, n in terms):g} = {shown}")
        return "\n".join(lines)


@dataclass
class AuditResult:
    seed: int | None = None
    k: int = 5
    reports: int = 0
    pinned: list[Pinned] = field(default_factory=list)
    bad_remainders: list[tuple] = field(default_factory=list)  # (total, children, remainder)
    wrong_counts: list[tuple] = field(default_factory=list)  # (cell, published, truth)
    disagreements: list[tuple] = field(default_factory=list)  # (cell, first, second, query)
    off_surface: list[tuple] = field(default_factory=list)  # (cell, count) outside the surface
    missing: list[CellId] = field(default_factory=list)  # surface cells no query returned
    unbounded: list[CellId] = field(default_factory=list)  # targets nothing caps from above
    queries: int = 0
    rejected: int = 0  # combinations parse_query refuses (never sent)
    cells_returned: int = 0
    surface_cells: int = 0
    published: int = 0
    at_least_k: int = 0
    published_at_least_k: int = 0
    targets: int = 0  # hidden cells and residuals with a true value in 1..k-1
    lps: int = 0
    settled_by_points: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def utility(self) -> float:
        """Share of the surface cells with a true count >= k that are published."""
        return self.published_at_least_k / self.at_least_k if self.at_least_k else 1.0

    @property
    def leaks(self) -> int:
        return (
            len(self.pinned)
            + len(self.bad_remainders)
            + len(self.wrong_counts)
            + len(self.disagreements)
            + len(self.off_surface)
        )

    def summary(self) -> str:
        t = self.timings
        return (
            f"seed {self.seed}: pinned {len(self.pinned)}, bad remainders "
            f"{len(self.bad_remainders)}, wrong counts {len(self.wrong_counts)}, "
            f"utility {self.utility:.3f} ({self.published_at_least_k}/{self.at_least_k}), "
            f"published {self.published}/{self.surface_cells}, reports {self.reports}, "
            f"queries {self.queries}, targets {self.targets}, LPs {self.lps}, "
            f"seconds {t.get('total', 0):.1f} (generate {t.get('generate', 0):.1f}, "
            f"releases {t.get('releases', 0):.1f}, queries {t.get('queries', 0):.1f}, "
            f"LPs {t.get('lps', 0):.1f})"
        )

    def details(self) -> str:
        lines = [self.summary()]
        lines += [f"  pinned {p.explained()}" for p in self.pinned]
        lines += [
            f"  bad remainder {show(total)} minus {len(part)} children: {rest}"
            for total, part, rest in self.bad_remainders
        ]
        lines += [
            f"  wrong count {show(c)}: published {n}, truth {v}" for c, n, v in self.wrong_counts
        ]
        lines += [
            f"  two routes differ {show(c)}: {a} vs {b} ({q})" for c, a, b, q in self.disagreements
        ]
        lines += [f"  off-surface cell {show(c)} = {n}" for c, n in self.off_surface]
        lines += [f"  no query returned {show(c)}" for c in self.missing[:20]]
        return "\n".join(lines)


def show(cid: CellId) -> str:
    period, frozen = cid
    dims = dict(frozen)
    order = ("residual", "department", "unit", "kind", "category", "role", "severity")
    named = ", ".join(f"{d}={dims[d]}" for d in order if d in dims)
    return f"{period} [{named or 'organisation'}]"


# -- releases as in production ---------------------------------------------------------------


def after(month: str) -> datetime:
    """Mid-morning on the 10th of the next month: the month is closed and past the lag."""
    year, mon = int(month[:4]), int(month[5:])
    return datetime(year + mon // 12, mon % 12 + 1, 10, 12, tzinfo=UTC)


def release_in_order(app, clock: FixedClock, found: Hospital) -> None:
    """Each month's reports are filed during it; after it closes its release is built."""
    for month in found.months:
        year, mon = int(month[:4]), int(month[5:])
        clock.now = datetime(year, mon, 15, 12, tzinfo=UTC)
        store_reports(found.rows_of(month))
        clock.now = after(month)
        look_again(app)


# -- every query the surface allows ------------------------------------------------------------


def filter_values(taxonomy: Taxonomy) -> dict[str, list[str]]:
    return {
        "kind": list(KINDS),
        "category": sorted({slug for _, slug in taxonomy.categories}),
        "department": sorted(taxonomy.departments),
        "unit": sorted(taxonomy.units),
        "role": list(ROLES),
        "severity": list(SEVERITIES),
    }


def every_query(taxonomy: Taxonomy, max_filters: int = 2) -> tuple[list[dict[str, str]], int]:
    """Each allowed (granularity, grouping, filters) once, and how many were refused.

    Allowed is what ``trends.parse_query`` accepts; two spellings of one query (grouping by
    category also groups by its kind, a category filter names its kind) are asked once.
    """
    values = filter_values(taxonomy)
    queries, seen, rejected = [], set(), 0
    for granularity, dims in itertools.product(GRANULARITIES, TABLES.values()):
        for size in range(len(dims) + 1):
            for group in itertools.combinations(dims, size):
                rest = [d for d in dims if d not in group]
                for n_filters in range(min(max_filters, len(rest)) + 1):
                    for names in itertools.combinations(rest, n_filters):
                        for chosen in itertools.product(*(values[n] for n in names)):
                            params = {"granularity": granularity}
                            if group:
                                params["group_by"] = ",".join(group)
                            params.update(zip(names, chosen, strict=True))
                            try:
                                query = trends.parse_query(
                                    {k: [v] for k, v in params.items()}, taxonomy
                                )
                            except trends.InvalidQuery:
                                rejected += 1
                                continue
                            key = (
                                query.granularity,
                                frozenset(query.group_by),
                                frozenset(query.filters.items()),
                            )
                            if key not in seen:
                                seen.add(key)
                                queries.append(params)
    return queries, rejected


def ask_everything(client, token: str, queries: Iterable[dict], result: AuditResult) -> dict:
    """Every number returned, by cell; disagreements between routes are recorded."""
    found: dict[CellId, int | None] = {}
    for params in queries:
        response = get(client, token, **params)
        assert response.status_code == 200, (params, response.get_json())
        body = response.get_json()
        result.queries += 1
        for cell in body["cells"]:
            result.cells_returned += 1
            dims = dict(body["filters"])
            dims.update({g: cell[g] for g in body["group_by"]})
            cid = cell_id(cell["period"], dims)
            if cid in found and found[cid] != cell["count"]:
                result.disagreements.append((cid, found[cid], cell["count"], params))
            found.setdefault(cid, cell["count"])
    return found


# -- the linear programs -------------------------------------------------------------------


class Solver:
    """min c.x subject to A x = b, x >= 0 (HiGHS through scipy), with the solution point."""

    def __init__(self, a: csr_matrix, b: np.ndarray) -> None:
        self.a, self.b = a, b
        self.calls = 0

    def minimise(self, c: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """The least value, a point that has it, and the duals of the rows (b . y = min)."""
        self.calls += 1
        found = linprog(c, A_eq=self.a, b_eq=self.b, bounds=(0, None), method="highs")
        if found.status == 3:  # unbounded (only when maximising): nothing caps the target
            return -np.inf, None, None
        assert found.status == 0, found.message  # feasible: the truth is a point
        return float(found.fun), found.x, found.eqlin.marginals


def residual_targets(structure: Structure) -> list[tuple[CellId, dict[int, float]]]:
    """The never-published residual cells as sums of unknowns, for every period."""
    out = []
    for period in structure.all_periods():
        months = [m for m in structure.months if in_period(m, period)]
        atoms = [f"rd:{d}" for d in structure.departments] + [RESIDUAL]
        for atom in atoms:
            levels = [{}] + [{"kind": k} for k in KINDS]
            levels += [{"kind": k, "category": c} for k, c in structure.categories]
            for level in levels:
                cats = [
                    (k, c)
                    for k, c in structure.categories
                    if k == level.get("kind", k) and c == level.get("category", c)
                ]
                vector = {
                    structure.index[("y", m, atom, k, c)]: 1.0 for m in months for k, c in cats
                }
                out.append(((period, frozenset({("residual", atom), *level.items()})), vector))
        for dim, values in (("role", ROLES), ("severity", SEVERITIES)):
            for kinds in [list(KINDS)] + [[k] for k in KINDS]:
                for v in values:
                    vector = {
                        structure.index[(dim, m, RESIDUAL, k, v)]: 1.0
                        for m in months
                        for k in kinds
                    }
                    dims = {"residual": RESIDUAL, dim: v}
                    if len(kinds) == 1:
                        dims["kind"] = kinds[0]
                    out.append(((period, frozenset(dims.items())), vector))
    return out


def solve_year(
    structure: Structure,
    answers: Mapping[CellId, int | None],
    truth_x: np.ndarray,
    k: int,
    result: AuditResult,
) -> None:
    """Checks of one calendar year: counts, remainders, and every small target by LP."""
    surface = structure.surface(structure.all_periods())
    targets: list[tuple[CellId, dict[int, float], int]] = []
    for cid in surface:
        vector = structure.vector(cid[0], dict(cid[1]))
        value = structure.value(vector, truth_x)
        count = answers.get(cid)
        result.surface_cells += 1
        result.at_least_k += value >= k
        if count is not None:
            result.published += 1
            result.published_at_least_k += value >= k
            if count < k or count != value:
                result.wrong_counts.append((cid, count, value))
            for part in structure.children(cid):
                rest = count - sum(answers.get(child) or 0 for child in part)
                if rest != 0 and rest < k:
                    result.bad_remainders.append((cid, part, rest))
        elif 1 <= value <= k - 1:
            targets.append((cid, vector, value))
    for cid, vector in residual_targets(structure):
        value = structure.value(vector, truth_x)
        if 1 <= value <= k - 1:
            targets.append((cid, vector, value))
    # One target per distinct sum (r* of table 1 and of tables 2/3 are one number).
    distinct: dict[frozenset, tuple[CellId, dict[int, float], int]] = {}
    for target in targets:
        distinct.setdefault(frozenset(target[1]), target)
    targets = list(distinct.values())
    result.targets += len(targets)
    if not targets:
        return

    on_surface = set(surface)
    published = {c: n for c, n in answers.items() if c in on_surface}
    attacker = Attacker(structure, published)  # rows: published cells by repr, then ties
    published_rows = [(c, n) for c, n in sorted(published.items(), key=repr) if n is not None]
    solver = Solver(attacker.a, attacker.b)
    target_rows, cols = [], []
    for row, (_, vector, _) in enumerate(targets):
        target_rows += [row] * len(vector)
        cols += list(vector)
    matrix = csr_matrix(
        (np.ones(len(cols)), (target_rows, cols)), shape=(len(targets), structure.size)
    )
    truths = np.array([t for _, _, t in targets], dtype=float)
    open_ = np.ones(len(targets), dtype=bool)

    def why(duals: np.ndarray | None, sign: float) -> tuple:
        if duals is None:
            return ()
        return tuple(
            (round(sign * float(duals[i]), 6), *published_rows[i])
            for i in np.flatnonzero(np.abs(duals[: len(published_rows)]) > TOLERANCE)
        )

    def seen(x: np.ndarray | None) -> None:
        if x is None:
            return
        moved = np.abs(matrix @ x - truths) >= 1 - TOLERANCE
        result.settled_by_points += int(np.count_nonzero(open_ & moved))
        open_[moved] = False

    for i, (cid, vector, value) in enumerate(targets):
        if not open_[i]:
            continue
        c = np.zeros(structure.size)
        c[list(vector)] = 1.0
        low, x, low_duals = solver.minimise(c)
        open_[i] = False
        seen(x)
        if low <= value - 1 + TOLERANCE:
            continue
        high, x, high_duals = solver.minimise(-c)
        high = -high
        seen(x)
        if high == np.inf:
            result.unbounded.append(cid)
        if high >= value + 1 - TOLERANCE:
            continue
        if math.ceil(low - TOLERANCE) == math.floor(high + TOLERANCE) and 1 <= value <= k - 1:
            result.pinned.append(
                Pinned(
                    cid,
                    value,
                    round(low, 6),
                    round(high, 6),
                    why(low_duals, 1.0),
                    why(high_duals, -1.0),
                )
            )
    result.lps += solver.calls


def solve(taxonomy: Taxonomy, found: Hospital, answers: Mapping[CellId, int | None], result):
    """The LP checks over every released month, one system per calendar year."""
    released = sorted({p for p, _ in answers if granularity_of(p) == "month"})
    for year in sorted({m[:4] for m in released}):
        months = [m for m in released if m.startswith(year)]
        structure = Structure(taxonomy, months)
        truth_x = structure.truth(r for r in found.rows if r["period"] in months)
        year_answers = {cid: n for cid, n in answers.items() if cid[0].startswith(year)}
        solve_year(structure, year_answers, truth_x, found.k, result)


# -- one hospital, end to end ----------------------------------------------------------------


def audit(
    app, client, token: str, found: Hospital, result: AuditResult | None = None, max_filters=2
):
    """Ask everything, check the surface, solve the LPs (releases already built).

    ``max_filters`` bounds how many dimensions a query filters at once; every cell is
    reached with none, so fewer only skips routes that lead to the same cells.
    """
    result = result or AuditResult(seed=found.seed, k=found.k, reports=len(found.rows))
    with app.app_context():
        taxonomy = services().require_taxonomy()
    start = time.perf_counter()
    queries, result.rejected = every_query(taxonomy, max_filters)
    answers = ask_everything(client, token, queries, result)
    result.timings["queries"] = time.perf_counter() - start

    released = sorted({p for p, _ in answers if granularity_of(p) == "month"})
    surface: set[CellId] = set()
    for year in sorted({m[:4] for m in released}):
        structure = Structure(taxonomy, [m for m in released if m.startswith(year)])
        surface |= set(structure.surface(structure.all_periods()))
    result.off_surface = sorted(
        ((cid, n) for cid, n in answers.items() if cid not in surface and n is not None), key=repr
    )
    result.missing = sorted(surface - set(answers), key=repr)

    start = time.perf_counter()
    solve(taxonomy, found, {c: n for c, n in answers.items() if c in surface}, result)
    result.timings["lps"] = time.perf_counter() - start
    return result


def audit_seed(seed: int, backend: str, root: Path, make=hospital) -> AuditResult:
    """Generate a hospital, release it month by month, audit it from the outside."""
    began = time.perf_counter()
    found = make(seed)
    result = AuditResult(seed=seed, k=found.k, reports=len(found.rows))
    result.timings["generate"] = time.perf_counter() - began
    clock = FixedClock(after(found.months[0]))
    with fresh_app(backend, root, clock, found.taxonomy_text, RELEASE_THRESHOLD=found.k) as app:
        start = time.perf_counter()
        release_in_order(app, clock, found)
        result.timings["releases"] = time.perf_counter() - start
        audit(app, app.test_client(), leadership_token(app), found, result)
    result.timings["total"] = time.perf_counter() - began
    return result


def parse_seeds(text: str) -> list[int]:
    """``0-199``, ``3,7,10-12``."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            first, last = part.split("-", 1)
            seeds += range(int(first), int(last) + 1)
        else:
            seeds.append(int(part))
    return seeds
