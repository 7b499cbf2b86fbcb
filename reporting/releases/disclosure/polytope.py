"""The attacker's linear program over the hidden part of a component, solved exactly as an
outside auditor would: every hidden cell at least 0, every relation an equality.

Bounds propagation and elimination (``bounds``, ``rowspace``) are fast and sound, but
they are not the whole linear program: a cell can be fixed by several rows at once together
with ``count >= 0``, which neither sees. Two facts make the whole program cheap to ask:

1. A linear function is constant on a polytope exactly when it is constant on its affine
   hull, and the affine hull of ``{x >= 0, A x = b}`` is ``{A x = b, x_Z = 0}`` where ``Z``
   are the cells that are 0 at every point (its implicit equalities). One linear program
   finds ``Z`` (``implicit_zeros``); elimination with ``x_Z = 0`` added then finds every
   cell the program fixes.
2. Counts are whole numbers, so a cell whose range holds only one whole number is fixed
   too, even when its range is not a point. For a cell of true value ``v`` (the truth is a
   feasible point), that happens exactly when no feasible point has it at ``v - 1`` or
   below, nor at ``v + 1`` or above (``unmovable``). Most cells are shown to move by a few
   shared objectives (push every open cell down at once, then up), and only the rest get a
   program of their own, warm-started from the last basis.

Solved with HiGHS (``highspy``); kept apart from the engine because it is the one place that
talks to a solver.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

Key = Hashable
EPSILON = 1e-6
FRESH_ABOVE = 100  # open cells above which a shared objective is solved from scratch


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner on stdout when the process makes its first solver."""
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


with _quiet_stdout():  # at import, before any thread of the app writes to stdout
    highspy.Highs()


def _solver() -> highspy.Highs:
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)
    return solver


@dataclass(frozen=True)
class Pinned:
    """A cell whose range under the published numbers holds one whole number only."""

    key: Key
    low: float
    high: float
    rows: frozenset[int]  # relation indexes binding at the optimum (nonzero duals)


class AttackerProgram:
    """``{x >= 0 : every row holds}`` over the hidden cells of some rows.

    ``rows`` are ``(relation index, {cell: +1 or -1}, rhs)``.
    """

    def __init__(self, rows: Sequence[tuple[int, dict[Key, int], int]]) -> None:
        self.rows = list(rows)
        self.keys: list[Key] = []
        self.column: dict[Key, int] = {}
        for _, row, _ in self.rows:
            for key in row:
                if key not in self.column:
                    self.column[key] = len(self.keys)
                    self.keys.append(key)
        self._solver: highspy.Highs | None = None
        self.points: list[np.ndarray] = []  # feasible points the solves found

    # -- building -----------------------------------------------------------------------

    def _add_rows(self, solver: highspy.Highs, lam: int | None = None) -> None:
        """Each row as an equality; homogenised (``A x - lambda b = 0``) when ``lam`` is given."""
        starts, indexes, values, rhs = [], [], [], []
        for _, row, b in self.rows:
            starts.append(len(indexes))
            for key, coef in row.items():
                indexes.append(self.column[key])
                values.append(float(coef))
            if lam is not None and b:
                indexes.append(lam)
                values.append(float(-b))
            rhs.append(0.0 if lam is not None else float(b))
        bound = np.array(rhs, dtype=np.float64)
        solver.addRows(
            len(self.rows),
            bound,
            bound,
            len(indexes),
            np.array(starts, dtype=np.int32),
            np.array(indexes, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )

    def _program(self) -> highspy.Highs:
        if self._solver is None:
            solver = _solver()
            n = len(self.keys)
            solver.addVars(n, np.zeros(n), np.full(n, highspy.kHighsInf))
            self._add_rows(solver)
            self._solver = solver
        return self._solver

    # -- implicit zeros -----------------------------------------------------------------

    def implicit_zeros(self, candidates: Sequence[Key]) -> set[Key]:
        """The candidates that are 0 at every feasible point.

        Homogenised: ``A w = lambda b``, ``w >= z``, ``0 <= z <= 1``, ``lambda >= 1``,
        maximise the sum of ``z``. Any finite set of feasible points sums (scaled) to one
        such ``w``, so at the optimum ``z = 1`` for every candidate some feasible point
        makes positive, and ``z = 0`` only for the implicit zeros.
        """
        candidates = [key for key in candidates if key in self.column]
        if not candidates:
            return set()
        solver = _solver()
        n = len(self.keys)
        lam = n
        solver.addVars(n, np.zeros(n), np.full(n, highspy.kHighsInf))
        solver.addVars(1, np.array([1.0]), np.array([highspy.kHighsInf]))
        self._add_rows(solver, lam=lam)
        z0 = n + 1
        m = len(candidates)
        solver.addVars(m, np.zeros(m), np.ones(m))
        starts, indexes, values = [], [], []
        for position, key in enumerate(candidates):
            starts.append(len(indexes))
            indexes += [self.column[key], z0 + position]
            values += [1.0, -1.0]
        solver.addRows(
            m,
            np.zeros(m),
            np.full(m, highspy.kHighsInf),
            len(indexes),
            np.array(starts, dtype=np.int32),
            np.array(indexes, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )
        solver.changeColsCost(m, np.arange(z0, z0 + m, dtype=np.int32), np.ones(m))
        solver.changeObjectiveSense(highspy.ObjSense.kMaximize)
        solver.setOptionValue("solver", "ipm")
        solver.run()
        status = solver.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"implicit-zero program ended {status}")
        z = solver.getSolution().col_value
        return {key for position, key in enumerate(candidates) if z[z0 + position] < 0.5}

    # -- whole numbers ------------------------------------------------------------------

    def _solve(
        self, costs: dict[int, float], maximise: bool, fresh: bool = False
    ) -> np.ndarray | None:
        """One optimum (None when unbounded); every optimum is noted as a feasible point.

        The first solve, and any ``fresh`` one (a new objective over many cells, far from
        the last optimum), runs the interior point method and its crossover from scratch
        (on these degenerate programs several times faster than the simplex method); a
        solve for a few cells goes on from the last optimal basis with the primal simplex,
        which stays feasible when only the objective changes.
        """
        solver = self._program()
        if fresh:
            solver.clearSolver()
        if fresh or not self.points:
            solver.setOptionValue("solver", "ipm")  # then crossover, for a basis to go on from
        else:
            solver.setOptionValue("solver", "simplex")
            solver.setOptionValue("simplex_strategy", 4)
        n = len(self.keys)
        cost = np.zeros(n)
        for column, c in costs.items():
            cost[column] = c
        solver.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        solver.changeObjectiveSense(sense)
        solver.run()
        status = solver.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"attacker program ended {status}")
        x = np.asarray(solver.getSolution().col_value)
        self.points.append(x)
        return x

    def _binding_rows(self) -> frozenset[int]:
        duals = self._program().getSolution().row_dual
        return frozenset(self.rows[i][0] for i, d in enumerate(duals) if abs(d) > EPSILON)

    def positive(self) -> set[Key]:
        """Cells some feasible point found so far makes positive (never implicit zeros)."""
        if not self.points:
            return set()
        top = np.max(np.vstack(self.points), axis=0)
        return {self.keys[i] for i in np.flatnonzero(top > EPSILON)}

    def unmovable(self, truth: dict[Key, int]) -> list[Pinned]:
        """Cells whose range holds no whole number other than their true value.

        ``truth`` maps the cells to check to their true values; a cell is shown to move
        when some feasible point has it at least one report below or above the truth. Any
        point found on the way settles every open cell it moves, so most cells are settled
        by pushing all open cells down at once; the rest get programs of their own.
        """
        open_ = {key: v for key, v in truth.items() if key in self.column}

        def settle(x: np.ndarray) -> int:
            moved = [key for key, v in open_.items() if abs(x[self.column[key]] - v) >= 1 - EPSILON]
            for key in moved:
                del open_[key]
            return len(moved)

        while open_:
            costs = dict.fromkeys((self.column[key] for key in open_), 1.0)
            x = self._solve(costs, False, fresh=len(costs) > FRESH_ABOVE)
            if not settle(x):
                break
        pinned = []
        for key in list(open_):
            if key not in open_:
                continue
            column = self.column[key]
            x = self._solve({column: 1.0}, maximise=False)
            settle(x)
            if key not in open_:
                continue
            low, rows = x[column], self._binding_rows()
            x = self._solve({column: 1.0}, maximise=True)
            if x is None:
                open_.pop(key)
                continue
            settle(x)
            if key not in open_:
                continue
            pinned.append(Pinned(key, float(low), float(x[column]), rows | self._binding_rows()))
            open_.pop(key)
        return pinned
