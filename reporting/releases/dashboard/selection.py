"""Which dashboard view is asked for: its GET parameters, checked against what is released.

The page and its CSV export read the same parameters, so both show the same view; a value
outside the published surface is refused here, before any number is looked up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reporting.invalid import InvalidFields
from reporting.releases import trends
from reporting.taxonomy import KINDS, Taxonomy

# How many periods the page shows when no `since` is chosen: wide tables stay readable.
DEFAULT_SPAN = {"month": 12, "quarter": 8, "year": 10}
PARAMETERS = ("granularity", "since", "until", "kind", "department", "breakdown")
# Category detail by department is asked for: most of its cells are hidden (departments.py).
BREAKDOWNS = ("category",)


class InvalidSelection(InvalidFields):
    """A dashboard query with a value outside the published surface; ``fields`` says which."""


@dataclass(frozen=True)
class Selection:
    """The switches and filters of one dashboard view, checked against what is released."""

    granularity: str = "month"
    kind: str | None = None
    department: str | None = None
    since: str | None = None
    until: str | None = None
    available: tuple[str, ...] = ()  # every released period of the granularity
    breakdown: str | None = None

    @property
    def periods(self) -> list[str]:
        return [p for p in self.available if self.since <= p <= self.until]

    @property
    def latest(self) -> str | None:
        return self.until

    @property
    def kinds(self) -> list[str]:
        return [self.kind] if self.kind else list(KINDS)

    def params(self, **changed: str | None) -> dict[str, str]:
        """The query string that reproduces this view (for the CSV link), with ``changed``
        parameters replaced (None drops one)."""
        found = {"granularity": self.granularity, "since": self.since, "until": self.until}
        found.update(kind=self.kind, department=self.department, breakdown=self.breakdown)
        found.update(changed)
        return {k: v for k, v in found.items() if v}


def select(args: Mapping[str, Sequence[str]], released: trends.ReleasedCells, taxonomy: Taxonomy):
    """Read the dashboard's GET parameters; `since`/`until` of another granularity are dropped.

    Switching granularity in a form without JavaScript still sends the old period labels, so
    a period that is not a released period of the chosen granularity falls back to the default
    range instead of failing.
    """
    errors: dict[str, str] = {}
    single: dict[str, str] = {}
    for name, values in args.items():
        if name not in PARAMETERS:
            errors[name] = f"unknown parameter; allowed: {', '.join(PARAMETERS)}"
        elif len(values) != 1:
            errors[name] = "give exactly one value"
        elif values[0].strip():
            single[name] = values[0].strip()
    granularity = single.get("granularity", "month")
    if granularity not in trends.GRANULARITIES:
        errors["granularity"] = f"must be one of: {', '.join(trends.GRANULARITIES)}"
    kind = single.get("kind")
    if kind is not None and kind not in KINDS:
        errors["kind"] = f"must be one of: {', '.join(KINDS)}"
    department = single.get("department")
    if department is not None and department not in taxonomy.departments:
        errors["department"] = "unknown department"
    breakdown = single.get("breakdown")
    if breakdown is not None and breakdown not in BREAKDOWNS:
        errors["breakdown"] = f"must be one of: {', '.join(BREAKDOWNS)}"
    if errors:
        raise InvalidSelection(errors)
    available = tuple(released.periods[granularity])
    if not available:
        return Selection(granularity, kind, department, breakdown=breakdown)
    until = single.get("until") if single.get("until") in available else available[-1]
    default_since = available[max(0, available.index(until) + 1 - DEFAULT_SPAN[granularity])]
    since = single.get("since") if single.get("since") in available else default_since
    if since > until:
        since = until
    return Selection(granularity, kind, department, since, until, available, breakdown)
