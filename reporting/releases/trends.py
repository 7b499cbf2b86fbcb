"""Leadership queries: validated against the fixed surface, answered by lookups in releases.

Nothing here reads report rows: every number comes from a stored release, so the same
question always gets the same answer, whichever route asks it, and a report filed now
changes nothing until its month is released. No Flask here.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reporting.invalid import InvalidFields
from reporting.models import Release, ReleasedCell
from reporting.periods import granularity_of
from reporting.releases import cube
from reporting.taxonomy import KINDS, ROLES, SEVERITIES, Taxonomy

ALL = cube.ALL
GRANULARITIES = ("month", "quarter", "year")
DIMENSIONS = ("kind", "category", "department", "unit", "role", "severity")
TABLES = {
    "categories": ("kind", "category", "department", "unit"),
    "roles": ("kind", "role", "department"),
    "severities": ("kind", "severity", "department"),
}
PERIOD_FORMATS = {
    "month": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    "quarter": re.compile(r"^\d{4}-Q[1-4]$"),
    "year": re.compile(r"^\d{4}$"),
}
PERIOD_EXAMPLES = {"month": "2026-03", "quarter": "2026-Q1", "year": "2026"}
ALLOWED_PARAMETERS = ("granularity", "group_by", "since", "until", *DIMENSIONS)
ANSWER_CACHE_SIZE = 512


class InvalidQuery(InvalidFields):
    """A query outside the published surface; ``fields`` says what is allowed instead."""


@dataclass(frozen=True)
class Query:
    granularity: str
    group_by: tuple[str, ...]
    filters: dict[str, str]
    since: str | None = None
    until: str | None = None


@dataclass
class ReleasedCells:
    """Every released cell in memory: ``(period, org, kind, category, role, severity) -> value``."""

    latest: str | None
    threshold: int
    values: dict[tuple, int | None]
    periods: dict[str, list[str]]
    mappings: dict[str, cube.OrgMapping] = field(default_factory=dict)
    # Staff declared by each month's release: "*", department slugs, "unit:<slug>" -> staff.
    headcounts: dict[str, dict[str, int]] = field(default_factory=dict)
    _answers: dict[tuple, str] = field(default_factory=dict, repr=False)

    def answer_json(self, query: Query, taxonomy: Taxonomy) -> str:
        """The serialised answer, kept until the next release (released numbers never change)."""
        key = (
            query.granularity,
            query.group_by,
            tuple(sorted(query.filters.items())),
            query.since,
            query.until,
        )
        found = self._answers.get(key)
        if found is None:
            found = json.dumps(answer(query, self, taxonomy), separators=(",", ":"))
            if len(self._answers) >= ANSWER_CACHE_SIZE:
                self._answers.pop(next(iter(self._answers)))
            self._answers[key] = found
        return found

    @classmethod
    def load(cls) -> ReleasedCells:
        releases = list(Release.select().order_by(Release.month))
        values = {
            (c.period, c.org, c.kind, c.category, c.role, c.severity): c.value
            for c in ReleasedCell.select().iterator()
        }
        periods: dict[str, set[str]] = {g: set() for g in GRANULARITIES}
        for period in {k[0] for k in values}:
            periods[granularity_of(period)].add(period)
        mappings = {}
        headcounts = {}
        for release in releases:
            mapping = cube.OrgMapping.from_json(json.loads(release.mapping))
            mappings.setdefault(release.month[:4], mapping)
            headcounts[release.month] = mapping.headcounts
        return cls(
            latest=releases[-1].month if releases else None,
            threshold=releases[-1].threshold if releases else 0,
            values=values,
            periods={g: sorted(p) for g, p in periods.items()},
            mappings=mappings,
            headcounts=headcounts,
        )


class ReleaseIndex:
    """A per-process cache of released cells, reloaded when a newer release appears."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cells: ReleasedCells | None = None

    def current(self) -> ReleasedCells:
        latest = Release.latest()
        latest_month = latest.month if latest else None
        cells = self._cells
        if cells is None or cells.latest != latest_month:
            with self._lock:
                if self._cells is None or self._cells.latest != latest_month:
                    self._cells = ReleasedCells.load()
                cells = self._cells
        return cells


def parse_query(params: Mapping[str, list[str]], taxonomy: Taxonomy) -> Query:
    """Check a query against the fixed surface; every problem is named with what is allowed."""
    errors: dict[str, str] = {}
    for name in params:
        if name not in ALLOWED_PARAMETERS:
            errors[name] = f"unknown parameter; allowed: {', '.join(ALLOWED_PARAMETERS)}"
    single: dict[str, str] = {}
    for name, values in params.items():
        if name not in ALLOWED_PARAMETERS:
            continue
        if len(values) != 1 or (name != "group_by" and "," in values[0]):
            errors[name] = "give exactly one value (no lists, no exclusions)"
            continue
        single[name] = values[0].strip()

    granularity = single.get("granularity", "month")
    if granularity not in GRANULARITIES:
        errors["granularity"] = f"must be one of: {', '.join(GRANULARITIES)} (no days or weeks)"
        granularity = "month"

    group_by: list[str] = []
    raw_group = single.get("group_by", "")
    for name in [g.strip() for g in raw_group.split(",") if g.strip()]:
        if name not in DIMENSIONS:
            errors["group_by"] = f"unknown dimension {name!r}; allowed: {', '.join(DIMENSIONS)}"
        elif name in group_by:
            errors["group_by"] = f"{name!r} appears twice"
        else:
            group_by.append(name)

    filters = {d: single[d] for d in DIMENSIONS if d in single}
    for name in set(filters) & set(group_by):
        errors[name] = "cannot both group by and filter on the same dimension"
    allowed_values = _allowed_values(taxonomy)
    for name, value in filters.items():
        if name == "category":
            continue
        if value not in allowed_values[name]:
            errors[name] = f"unknown value {value!r}; allowed: {', '.join(allowed_values[name])}"

    if "category" in filters:
        kinds = [k for k in KINDS if taxonomy.category(k, filters["category"])]
        if "kind" in filters and filters["kind"] in KINDS:
            kinds = [k for k in kinds if k == filters["kind"]]
        if not kinds:
            errors["category"] = f"unknown category {filters['category']!r}"
        elif len(kinds) > 1:
            errors["category"] = "this category exists for both kinds: also give kind"
        elif "kind" not in filters and "kind" not in group_by:
            filters["kind"] = kinds[0]
    if "category" in group_by and "kind" not in group_by and "kind" not in filters:
        group_by.insert(group_by.index("category"), "kind")

    used = set(group_by) | set(filters)
    if not any(used <= set(dims) for dims in TABLES.values()):
        errors["group_by"] = "dimensions must come from one published table: " + "; ".join(
            f"{', '.join(dims)}" for dims in TABLES.values()
        )
    unit = taxonomy.units.get(filters.get("unit", ""))
    if unit is not None and "department" in filters and unit.department != filters["department"]:
        errors["unit"] = "this unit is not in that department"

    for name in ("since", "until"):
        value = single.get(name)
        if value is not None and not PERIOD_FORMATS[granularity].match(value):
            errors[name] = (
                f"must be a whole {granularity} like {PERIOD_EXAMPLES[granularity]} "
                "(no free dates, days or weeks)"
            )
    if errors:
        raise InvalidQuery(errors)
    since, until = single.get("since"), single.get("until")
    if since and until and since > until:
        raise InvalidQuery({"since": "must not be after until"})
    return Query(granularity, tuple(group_by), filters, since, until)


def _allowed_values(taxonomy: Taxonomy) -> dict[str, list[str]]:
    return {
        "kind": list(KINDS),
        "department": sorted(taxonomy.departments),
        "unit": sorted(taxonomy.units),
        "role": list(ROLES),
        "severity": list(SEVERITIES),
    }


def answer(query: Query, released: ReleasedCells, taxonomy: Taxonomy) -> dict[str, Any]:
    """The contract's JSON answer: one cell per period and combination of grouped values."""
    periods = [
        p
        for p in released.periods[query.granularity]
        if (query.since is None or p >= query.since) and (query.until is None or p <= query.until)
    ]
    value_lists = [_group_values(dim, query, taxonomy, released) for dim in query.group_by]
    cells = []
    for period in periods:
        for combo in itertools.product(*value_lists):
            chosen = dict(zip(query.group_by, combo, strict=True))
            dims = {**query.filters, **chosen}
            if "category" in chosen and not taxonomy.category(dims["kind"], dims["category"]):
                continue
            unit = taxonomy.units.get(chosen.get("unit", ""))
            if unit and "department" in chosen and unit.department != dims["department"]:
                continue
            key = cell_key(period, dims)
            cell: dict[str, Any] = {"period": period}
            cell.update(chosen)
            cell["count"] = released.values.get(key)
            cells.append(cell)
    return {
        "threshold": released.threshold,
        "granularity": query.granularity,
        "group_by": list(query.group_by),
        "filters": dict(query.filters),
        "periods": periods,
        "cells": cells,
    }


def cell_key(period: str, dims: Mapping[str, str]) -> tuple:
    if "unit" in dims:
        org = f"u:{dims['unit']}"
    elif "department" in dims:
        org = f"d:{dims['department']}"
    else:
        org = ALL
    return (
        period,
        org,
        dims.get("kind", ALL),
        dims.get("category", ALL),
        dims.get("role", ALL),
        dims.get("severity", ALL),
    )


def _group_values(dim: str, query: Query, taxonomy: Taxonomy, released: ReleasedCells) -> list:
    if dim == "kind":
        return [query.filters["kind"]] if "kind" in query.filters else list(KINDS)
    if dim == "role":
        return list(ROLES)
    if dim == "severity":
        return list(SEVERITIES)
    if dim == "department":
        return sorted(taxonomy.departments, key=lambda d: taxonomy.departments[d].name)
    if dim == "unit":
        published = set()
        for mapping in released.mappings.values():
            published |= {u for u, (_, ok) in mapping.units.items() if ok}
        department = query.filters.get("department")
        units = [
            u
            for u in published
            if department is None
            or taxonomy.units.get(u) is None
            or taxonomy.units[u].department == department
        ]
        return sorted(units, key=lambda u: taxonomy.units[u].name if u in taxonomy.units else u)
    if dim == "category":
        kinds = [query.filters["kind"]] if "kind" in query.filters else list(KINDS)
        return sorted(
            {c.slug for k in kinds for c in taxonomy.categories_of(k, include_retired=True)},
        )
    raise ValueError(dim)
