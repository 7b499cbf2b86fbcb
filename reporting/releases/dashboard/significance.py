"""Whether a change between two published counts is more than chance. Pure.

Two counts of reports over two periods are treated as Poisson; given their sum, the first
is binomial with the share its exposure (staff, when both periods declare a headcount)
would give it if the rate had not changed. The two-sided exact p-value sums the
probabilities of every split no likelier than the one seen. A share (high-severity moral
distress of all moral distress) is tested the same way on its 2 x 2 table, Fisher's exact
test. Only published counts and declared headcounts go in, so the verdict is itself
derivable from published numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEVEL = 0.05
_TOLERANCE = 1 + 1e-7  # ties in probability count as "no likelier"


@dataclass(frozen=True)
class Verdict:
    p_value: float
    significant: bool

    def describe(self) -> str:
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        if self.significant:
            return f"a real change, not chance ({p}, exact test)"
        return f"within chance ({p}, exact test)"


def change_verdict(
    now: int, before: int, staff_now: int | None = None, staff_before: int | None = None
) -> Verdict:
    """The exact conditional test of equal rates for ``now`` against ``before``."""
    if now < 0 or before < 0:
        raise ValueError("counts are never negative")
    total = now + before
    if total == 0:
        return Verdict(1.0, False)
    share = 0.5
    if staff_now and staff_before:
        share = staff_now / (staff_now + staff_before)
    p = _two_sided(now, total, share)
    return Verdict(p, p < LEVEL)


def share_change_verdict(part_now: int, all_now: int, part_before: int, all_before: int) -> Verdict:
    """Whether a share (``part`` of ``all``) changed more than chance: Fisher's exact test
    on the two periods' published counts, two-sided as :func:`change_verdict` (every table
    with the same margins no likelier than the one seen)."""
    if not (0 <= part_now <= all_now and 0 <= part_before <= all_before):
        raise ValueError("a part is between 0 and its whole")
    parts, total = part_now + part_before, all_now + all_before
    if parts in (0, total):
        return Verdict(1.0, False)
    low, high = max(0, parts - all_before), min(parts, all_now)
    seen = _log_hypergeometric(part_now, all_now, all_before, parts)
    limit = seen + math.log(_TOLERANCE)
    tables = (_log_hypergeometric(i, all_now, all_before, parts) for i in range(low, high + 1))
    p = min(1.0, sum(math.exp(lp) for lp in tables if lp <= limit))
    return Verdict(p, p < LEVEL)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _log_hypergeometric(k: int, first: int, second: int, drawn: int) -> float:
    """Log probability that ``k`` of ``drawn`` fall in the first of two groups."""
    return (
        _log_choose(first, k) + _log_choose(second, drawn - k) - _log_choose(first + second, drawn)
    )


def _log_pmf(k: int, n: int, share: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(share)
        + (n - k) * math.log1p(-share)
    )


def _two_sided(k: int, n: int, share: float) -> float:
    seen = _log_pmf(k, n, share)
    limit = seen + math.log(_TOLERANCE)
    total = sum(math.exp(lp) for lp in (_log_pmf(i, n, share) for i in range(n + 1)) if lp <= limit)
    return min(1.0, total)
