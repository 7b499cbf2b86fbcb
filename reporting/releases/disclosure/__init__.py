"""Cell suppression for a linked system of published tables. Pure: no database, no Flask.

The input is every cell of the system (published candidates and residuals that are never
published), the additive relations between them (``parent = sum(children)``), the threshold
k, and the states fixed by earlier releases. The output is the set of hidden cells such that:

1. every cell with a count under k, zero included, is hidden (primary suppression);
2. under every published total, the hidden children add up to 0 or at least k
   (complementary suppression, repeated to a fixpoint across all relations);
3. no hidden cell with a count of 1..k-1, and no difference of two nested hidden
   remainders with such a count, is determined by the published numbers. Determined means:
   fixed by exact Gaussian elimination modulo a 61-bit prime (``rowspace``; a vector in
   the rational row space is in the modular one, so the check errs only towards hiding
   more) or by interval propagation with every count at least 0 (``bounds``), one
   connected component of hidden cells at a time.

Whenever a check fails, more cells are hidden and the checks run again (``engine``): the
cheapest published cell in the relations that pin the problem, or, for a cell found pinned
again, a whole protection box chosen by the caller's ``protector`` (``protection.Protector``).
Cost prefers the finest cells (months before quarters, units before departments, categories
before kinds), then the smallest count, then the key, so the result is deterministic and
organisation, department and quarter figures survive.

A package rather than one module because the engine, the bounds and the elimination are
each long enough to read on their own; this module is the whole public interface.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from reporting.releases.disclosure.rowspace import PRIME

Key = Hashable

__all__ = ["PRIME", "Cell", "Outcome", "Relation", "SuppressionError", "suppress"]


class SuppressionError(Exception):
    """The fixed states of earlier releases leave no way to protect a cell."""


@dataclass
class Cell:
    value: int
    publishable: bool = True  # False for residuals (small units, unit not given): never shown
    fixed: bool = False  # decided by an earlier release: its state cannot change
    fixed_hidden: bool = False
    coarseness: tuple = ()  # lower is finer, and is hidden first

    def cost(self, key: Key) -> tuple:
        return (self.coarseness, self.value, repr(key))


@dataclass(frozen=True)
class Relation:
    parent: Key
    children: tuple[Key, ...]


@dataclass
class Outcome:
    hidden: set[Key]
    hidden_at_least_k: int = 0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)


# protector(targets, cells, is_hidden, can_hide) -> cells to hide (None: no box found)
Protector = Callable[[frozenset, dict, Callable[[Key], bool], Callable[[Key], bool]], list | None]


def suppress(
    cells: dict[Key, Cell],
    relations: Iterable[Relation],
    k: int,
    protector: Protector | None = None,
) -> Outcome:
    """Hide cells until every rule above holds; ``protector`` only helps choose them."""
    from reporting.releases.disclosure.engine import Engine

    if k < 3:
        raise ValueError("the threshold k is never below 3")
    relations = list(relations)
    for relation in relations:
        for key in (relation.parent, *relation.children):
            if key not in cells:
                raise KeyError(f"relation names unknown cell {key!r}")
    engine = Engine(cells, relations, k, protector)
    engine.run()
    hidden = engine.hidden
    at_least_k = sum(1 for key in hidden if cells[key].publishable and cells[key].value >= k)
    return Outcome(
        hidden=hidden, hidden_at_least_k=at_least_k, rounds=engine.rounds, notes=engine.notes
    )
