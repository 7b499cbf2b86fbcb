"""How much of a period is released, and the staff its release declared. Pure.

A year whose first months came before the product's first release is partial: comparing
it with a whole year reads as growth that is only coverage. And a rate per 100 staff must
divide by a headcount that is itself published, the one the release declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.periods import granularity_of, months_of_quarter
from reporting.releases.trends import ALL, ReleasedCells

MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Coverage:
    period: str
    released: int  # months of it that are released
    months: int  # months it has

    @property
    def partial(self) -> bool:
        return 0 < self.released < self.months

    def describe(self) -> str:
        return f"{self.released} of {self.months} months released"


def months_of(period: str) -> list[str]:
    granularity = granularity_of(period)
    if granularity == "month":
        return [period]
    if granularity == "quarter":
        return months_of_quarter(period)
    return [f"{period}-{month:02d}" for month in range(1, 13)]


def months_released(released: ReleasedCells, period: str) -> list[str]:
    """The released months a period is made of."""
    return [m for m in months_of(period) if m in released.headcounts]


def coverage(released: ReleasedCells, period: str) -> Coverage:
    return Coverage(
        period, len(months_released(released, period)), MONTHS_IN[granularity_of(period)]
    )


def unit_key(slug: str) -> str:
    """A unit's key among a release's declared headcounts (departments go by their slug,
    the organisation by ``*``)."""
    return f"unit:{slug}"


def headcount(released: ReleasedCells, period: str, organisation: str = ALL) -> int | None:
    """Staff the release of the period's last released month declared for
    ``organisation`` (``*``, a department slug or a :func:`unit_key`), or None if it
    declared none."""
    months = months_released(released, period)
    return released.headcounts[months[-1]].get(organisation) if months else None


def per_100_staff(count: int | None, staff: int | None) -> float | None:
    """Reports per 100 staff, from a published count and a declared headcount only."""
    if count is None or not staff:
        return None
    return 100 * count / staff
