"""Bookkeeping of the parts of the text already taken, so replacements never overlap.

Kept text, existing tokens and every accepted replacement occupy spans; a later finding
is used only where it is free. Look-ups are logarithmic because a long narrative can have
hundreds of candidate spans.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right


class _Occupancy:
    """Sorted, non-overlapping occupied spans with logarithmic look-ups."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(spans):
            if self.ends and start < self.ends[-1]:  # overlapping protected spans: merge
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    @property
    def spans(self) -> list[tuple[int, int]]:
        """The occupied spans in order, for a linear walk alongside the words."""
        return list(zip(self.starts, self.ends, strict=True))

    def free(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps no occupied span."""
        i = bisect_right(self.starts, start)
        if i and self.ends[i - 1] > start:
            return False
        return not (i < len(self.starts) and self.starts[i] < end)

    def add(self, start: int, end: int) -> None:
        """Occupy a span already checked to be free."""
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
