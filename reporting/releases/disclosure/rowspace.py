"""Exact linear algebra over the hidden part of the system: what published numbers fix.

Reduced row echelon form of sparse integer rows modulo a 61-bit prime, with the input rows
each stored row combines (a certificate), so that for a derivable cell the engine knows the
relations that pin it. A vector in the rational row space is in the modular one, so working
modulo the prime can only find more derivable cells, never fewer: it errs towards hiding.
Kept apart from the engine so that the engine reads as the suppression rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

Key = Hashable
PRIME = (1 << 61) - 1


class RowSpace:
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
