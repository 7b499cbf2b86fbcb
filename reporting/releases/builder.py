"""Building, locking and storing releases: the only place report rows become numbers.

A release freezes one closed month: its cells, and the quarter's and year's when the month
closes them. It is built under a lock (an advisory lock on PostgreSQL, a file lock beside
an SQLite database), so two app instances that find a month due build it once. Earlier
releases of the same calendar year are fixed constraints: their published values and hidden
cells never change, and new hidden cells are placed only among new cells. No Flask here, and
nothing is decrypted: only coded fields are read.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import fn

from reporting.db import database, is_sqlite
from reporting.models import Release, ReleasedCell, Report
from reporting.periods import Clock, months_of_quarter, next_month, quarter_of
from reporting.releases import cube, disclosure, protection
from reporting.releases.coverage import unit_key
from reporting.taxonomy import Taxonomy

log = logging.getLogger(__name__)
LOCK_ID = 0x52454C45  # "RELE": the advisory lock id on PostgreSQL


class ReleaseError(Exception):
    """A release cannot be built (for example, the threshold would go down)."""


@dataclass(frozen=True)
class ReleasePolicy:
    threshold: int = 5
    lag_days: int = 3
    timezone: str = "Europe/London"


def last_closed_month(now: datetime, policy: ReleasePolicy) -> str | None:
    """The last month that has ended, in the hospital's time zone, at least `lag_days` ago."""
    local = now.astimezone(ZoneInfo(policy.timezone)) - timedelta(days=policy.lag_days)
    first_of_month = local.replace(day=1)
    previous = first_of_month - timedelta(days=1)
    return previous.strftime("%Y-%m")


def due_months(now: datetime, policy: ReleasePolicy) -> list[str]:
    """Closed months not yet released, from the earliest stored report on."""
    last_closed = last_closed_month(now, policy)
    latest = Release.latest()
    if latest is not None:
        start = next_month(latest.month)
    else:
        earliest = Report.select(fn.MIN(Report.period)).scalar()
        if earliest is None:
            return []
        start = earliest
    months = []
    month = start
    while month <= last_closed:
        months.append(month)
        month = next_month(month)
    return months


def mapping_from(taxonomy: Taxonomy) -> cube.OrgMapping:
    minimum = taxonomy.minimum_headcount
    return cube.OrgMapping(
        departments=tuple(sorted(taxonomy.departments)),
        units={
            slug: (u.department, u.headcount is not None and u.headcount >= minimum)
            for slug, u in sorted(taxonomy.units.items())
        },
        categories=tuple(sorted(taxonomy.categories)),
        headcounts=declared_headcounts(taxonomy),
    )


def declared_headcounts(taxonomy: Taxonomy) -> dict[str, int]:
    """Staff per department and for the organisation, where every unit in it declares a
    headcount (a sum missing a unit would overstate any rate built on it), and per unit
    (``unit:<slug>``) for the units large enough to be counted on their own."""
    per_department: dict[str, int | None] = {d: 0 for d in taxonomy.departments}
    units = {}
    for slug, unit in sorted(taxonomy.units.items()):
        if unit.retired or unit.department not in per_department:
            continue
        known = per_department[unit.department]
        per_department[unit.department] = (
            None if known is None or unit.headcount is None else known + unit.headcount
        )
        if unit.headcount is not None and unit.headcount >= taxonomy.minimum_headcount:
            units[unit_key(slug)] = unit.headcount
    found = {d: n for d, n in per_department.items() if n}
    if found and len(found) == len(per_department):
        found["*"] = sum(found.values())
    return {**found, **units}


@contextlib.contextmanager
def release_lock() -> Iterator[None]:
    """Concurrent builders wait here; the second finds the month built and does nothing."""
    if is_sqlite(database):
        path = database.obj.database + ".release-lock"
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        database.execute_sql("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
        try:
            yield
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))


def build_due(taxonomy: Taxonomy, policy: ReleasePolicy, clock: Clock) -> list[Release]:
    """Build every release that is due, in order; returns those built by this call."""
    built = []
    if not due_months(clock(), policy):
        return built
    with release_lock():
        for month in due_months(clock(), policy):
            built.append(build_release(month, taxonomy, policy, clock))
    return built


def _leaves(month: str) -> dict[cube.LeafKey, int]:
    query = (
        Report.select(
            Report.unit,
            Report.kind,
            Report.category,
            Report.role,
            Report.severity,
            fn.COUNT(Report.id).alias("n"),
        )
        .where(Report.period == month)
        .group_by(Report.unit, Report.kind, Report.category, Report.role, Report.severity)
        .tuples()
    )
    return {(u, k, c, r, s): n for u, k, c, r, s, n in query}


def build_release(month: str, taxonomy: Taxonomy, policy: ReleasePolicy, clock: Clock) -> Release:
    """Build and store one month's release (the caller holds the release lock)."""
    existing = Release.get_or_none(Release.month == month)
    if existing is not None:
        return existing
    year = month[:4]
    earlier = list(
        Release.select().where(Release.month.startswith(f"{year}-")).order_by(Release.month)
    )
    previous = Release.latest()
    threshold = max(policy.threshold, previous.threshold if previous else 0)
    if threshold < 3:
        raise ReleaseError("the threshold k is never below 3")
    mapping = (
        replace(
            cube.OrgMapping.from_json(json.loads(earlier[0].mapping)),
            headcounts=declared_headcounts(taxonomy),
        )
        if earlier
        else mapping_from(taxonomy)
    )
    builder = cube.CubeBuilder(mapping)

    month_values = {
        r.month: _stored_cells(r) or builder.month_values(r.month, _leaves(r.month))
        for r in earlier
    }
    month_values[month] = builder.month_values(month, _leaves(month))
    stored = {
        (c.period, c.org, c.kind, c.category, c.role, c.severity): c.value
        for c in ReleasedCell.select().where(ReleasedCell.release.in_([r.month for r in earlier]))
    }
    cells, relations, new_keys = assemble(builder, month, month_values, stored)
    protector = protection.Protector(builder, {key[0] for key in cells})
    outcome = disclosure.suppress(cells, relations, threshold, protector.protect)
    for note in outcome.notes:
        log.warning("release %s: %s", month, note)

    hidden_new = [k for k in new_keys if k in outcome.hidden]
    at_least_k = sum(1 for k in hidden_new if cells[k].value >= threshold)
    with database.atomic():
        release = Release.create(
            month=month,
            threshold=threshold,
            minimum_headcount=taxonomy.minimum_headcount,
            mapping=json.dumps(mapping.to_json(), sort_keys=True),
            cells_published=len(new_keys) - len(hidden_new),
            cells_hidden=len(hidden_new),
            hidden_at_least_k=at_least_k,
            built=clock().replace(tzinfo=None),
            month_cells=json.dumps(
                sorted([*key, n] for key, n in month_values[month].items() if n)
            ),
        )
        rows = [
            {
                "release": month,
                "period": k[0],
                "org": k[1],
                "kind": k[2],
                "category": k[3],
                "role": k[4],
                "severity": k[5],
                "value": None if k in outcome.hidden else cells[k].value,
            }
            for k in new_keys
        ]
        for start in range(0, len(rows), 500):
            ReleasedCell.insert_many(rows[start : start + 500]).execute()
    return release


def assemble(
    builder: cube.CubeBuilder,
    month: str,
    month_values: dict[str, dict[cube.CellKey, int]],
    stored: dict[cube.CellKey, int | None],
) -> tuple[dict[cube.CellKey, disclosure.Cell], list[disclosure.Relation], list[cube.CellKey]]:
    """The linked system of one release, without the database.

    ``month_values`` holds the exact cells of every month of the year up to ``month``;
    ``stored`` the cells earlier releases of the year published (a value) or hid (None).
    Returns the cells (earlier periods fixed as they were released), the relations, and
    the publishable keys this release decides.
    """
    year = month[:4]
    months = sorted(month_values)
    values: dict[cube.CellKey, int] = {}
    keys: list[cube.CellKey] = []
    relations: list[disclosure.Relation] = []
    for m in months:
        keys += builder.period_keys(m)
        values.update(month_values[m])
        relations += builder.period_relations(m)
    quarters = sorted({quarter_of(m) for m in months})
    complete_quarters = [q for q in quarters if months_of_quarter(q)[-1] in months]
    for q in complete_quarters:
        parts = [m for m in months_of_quarter(q) if m in months]
        _add_sum_period(builder, q, parts, month_values, values, keys, relations)
    if month.endswith("-12"):
        parts = [q for q in complete_quarters]
        quarter_values = {q: {k: v for k, v in values.items() if k[0] == q} for q in parts}
        _add_sum_period(builder, year, parts, quarter_values, values, keys, relations)

    new_periods = {month}
    if month[5:] in ("03", "06", "09", "12"):
        new_periods.add(quarter_of(month))
    if month.endswith("-12"):
        new_periods.add(year)

    cells = cube.cells_for(keys, values)
    for key, cell in cells.items():
        if key[0] in new_periods:
            continue
        cell.fixed = True
        cell.fixed_hidden = (not cell.publishable) or stored.get(key) is None
    new_keys = [k for k in keys if k[0] in new_periods and cube.CubeBuilder.publishable(k)]
    return cells, relations, new_keys


def _stored_cells(release: Release) -> dict[cube.CellKey, int] | None:
    if not release.month_cells:
        return None
    return {tuple(entry[:6]): entry[6] for entry in json.loads(release.month_cells)}


def _add_sum_period(builder, period, parts, part_values, values, keys, relations) -> None:
    period_keys = builder.period_keys(period)
    for key in period_keys:
        rest = key[1:]
        values[key] = sum(part_values[p].get((p, *rest), 0) for p in parts)
    keys += period_keys
    relations += builder.period_relations(period)
    relations += builder.time_relations(period, parts)


def released_through() -> str | None:
    latest = Release.latest()
    return latest.month if latest else None
