"""What the leadership dashboard shows: tables, chart series and indicators from released cells.

Every number here comes from `trends.answer` over the released cells, never from report
rows, so the dashboard can show nothing the JSON API could not. Hidden cells stay ``None``
all the way to the page, the chart data and the CSV; indicators are computed only from
published numbers and say so when an input is hidden. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reporting.invalid import InvalidFields
from reporting.periods import previous_period, year_earlier
from reporting.releases import trends
from reporting.taxonomy import KINDS, ROLES, SEVERITIES, Taxonomy

# How many periods the page shows when no `since` is chosen: wide tables stay readable.
DEFAULT_SPAN = {"month": 12, "quarter": 8, "year": 10}
HIDDEN = "hidden for anonymity"
NOT_AVAILABLE_HIDDEN = "not available (hidden for anonymity)"
NOT_AVAILABLE_UNRELEASED = "not available (that period is not released)"
PARAMETERS = ("granularity", "since", "until", "kind", "department")


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

    @property
    def periods(self) -> list[str]:
        return [p for p in self.available if self.since <= p <= self.until]

    @property
    def latest(self) -> str | None:
        return self.until

    @property
    def kinds(self) -> list[str]:
        return [self.kind] if self.kind else list(KINDS)

    def params(self) -> dict[str, str]:
        """The query string that reproduces this view (for the CSV link)."""
        found = {"granularity": self.granularity, "since": self.since, "until": self.until}
        found.update(kind=self.kind, department=self.department)
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
    if errors:
        raise InvalidSelection(errors)
    available = tuple(released.periods[granularity])
    if not available:
        return Selection(granularity, kind, department)
    until = single.get("until") if single.get("until") in available else available[-1]
    default_since = available[max(0, available.index(until) + 1 - DEFAULT_SPAN[granularity])]
    since = single.get("since") if single.get("since") in available else default_since
    if since > until:
        since = until
    return Selection(granularity, kind, department, since, until, available)


@dataclass(frozen=True)
class Cell:
    """One shown number (``None`` when hidden) and what it counts, for the CSV."""

    count: int | None
    period: str
    organisation: str
    kind: str = ""
    category: str = ""
    role: str = ""
    severity: str = ""
    total: bool = False

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass
class Row:
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass
class Table:
    key: str
    title: str
    corner: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    bars: bool = False

    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells]

    def bar_width(self, cell: Cell, column: int) -> int:
        """A bar's length in percent of the column's largest published number."""
        values = [r.cells[column].count for r in self.rows if not r.total]
        top = max((v for v in values if v is not None), default=0)
        return round(100 * cell.count / top) if top and cell.count is not None else 0


@dataclass(frozen=True)
class Change:
    label: str
    text: str
    available: bool


@dataclass(frozen=True)
class Indicator:
    title: str
    value: str
    available: bool
    note: str
    changes: tuple[Change, ...] = ()


class Dashboard:
    """The lookups behind one view: each method asks `trends.answer` one published question."""

    def __init__(
        self, selection: Selection, released: trends.ReleasedCells, taxonomy: Taxonomy
    ) -> None:
        self.selection = selection
        self.released = released
        self.taxonomy = taxonomy

    def ask(self, group_by: Sequence[str], since: str, until: str, **filters: str | None):
        params = {
            "granularity": [self.selection.granularity],
            "group_by": [",".join(group_by)],
            "since": [since],
            "until": [until],
        }
        params.update({k: [v] for k, v in filters.items() if v})
        query = trends.parse_query(params, self.taxonomy)
        return trends.answer(query, self.released, self.taxonomy)["cells"]

    # Names -----------------------------------------------------------------------------

    def organisation_name(self) -> str:
        department = self.selection.department
        return self.taxonomy.departments[department].name if department else "All departments"

    def category_name(self, kind: str, slug: str) -> str:
        category = self.taxonomy.category(kind, slug)
        return category.name if category else slug

    def categories(self, kind: str) -> list[str]:
        found = self.taxonomy.categories_of(kind, include_retired=True)
        return [c.slug for c in sorted(found, key=lambda c: c.name.casefold())]

    def organisations(self) -> list[tuple[str, str, str]]:
        """The columns of the department table: (dimension, slug, name), sorted by name."""
        department = self.selection.department
        if department is None:
            found = [("department", d.slug, d.name) for d in self.taxonomy.departments.values()]
        else:
            units = self.ask(
                ["unit"], self.selection.latest, self.selection.latest, department=department
            )
            found = [("unit", c["unit"], self._unit_name(c["unit"])) for c in units]
        return sorted(found, key=lambda o: o[2].casefold())

    def _unit_name(self, slug: str) -> str:
        unit = self.taxonomy.units.get(slug)
        return unit.name if unit else slug

    # Tables ----------------------------------------------------------------------------

    def tables(self) -> list[Table]:
        if not self.selection.available:
            return []
        found = [self.over_time(kind) for kind in self.selection.kinds]
        found += [self.by_organisation(kind) for kind in self.selection.kinds]
        found += [self.by_role(), self.by_severity()]
        return found

    def over_time(self, kind: str) -> Table:
        """Categories of one kind per period, with the kind's total: the chart's numbers."""
        s = self.selection
        cells = self.ask(["category"], s.since, s.until, kind=kind, department=s.department)
        totals = self.ask([], s.since, s.until, kind=kind, department=s.department)
        by_key = {(c["period"], c["category"]): c["count"] for c in cells}
        organisation = self.organisation_name()
        table = Table(
            key=f"over-time-{kind}",
            title=f"{KINDS[kind]} reports by category, per {s.granularity}",
            corner="Category",
            columns=list(s.periods),
        )
        for slug in self.categories(kind):
            name = self.category_name(kind, slug)
            table.rows.append(
                Row(
                    name,
                    [
                        Cell(by_key.get((p, slug)), p, organisation, KINDS[kind], name)
                        for p in s.periods
                    ],
                )
            )
        total = {c["period"]: c["count"] for c in totals}
        table.rows.append(
            Row(
                f"All {KINDS[kind].lower()} reports",
                [
                    Cell(total.get(p), p, organisation, KINDS[kind], "All", total=True)
                    for p in s.periods
                ],
                total=True,
            )
        )
        return table

    def by_organisation(self, kind: str) -> Table:
        """Categories of one kind by department (or by unit within the chosen department)."""
        s = self.selection
        period = s.latest
        organisations = self.organisations()
        dimension = "unit" if s.department else "department"
        cells = self.ask(
            [dimension, "category"], period, period, kind=kind, department=s.department
        )
        org_totals = self.ask([dimension], period, period, kind=kind, department=s.department)
        category_totals = self.ask(["category"], period, period, kind=kind, department=s.department)
        corner = self.ask([], period, period, kind=kind, department=s.department)
        by_key = {(c[dimension], c["category"]): c["count"] for c in cells}
        by_org = {c[dimension]: c["count"] for c in org_totals}
        by_category = {c["category"]: c["count"] for c in category_totals}
        total_name = self.organisation_name()
        table = Table(
            key=f"by-{dimension}-{kind}",
            title=f"{KINDS[kind]} reports by {dimension} and category, {period}",
            corner="Category",
            columns=[name for _, _, name in organisations] + [f"{total_name} (total)"],
        )
        for slug in self.categories(kind):
            name = self.category_name(kind, slug)
            row = [
                Cell(by_key.get((org, slug)), period, org_name, KINDS[kind], name)
                for _, org, org_name in organisations
            ]
            row.append(
                Cell(by_category.get(slug), period, total_name, KINDS[kind], name, total=True)
            )
            table.rows.append(Row(name, row))
        total_row = [
            Cell(by_org.get(org), period, org_name, KINDS[kind], "All", total=True)
            for _, org, org_name in organisations
        ]
        total_row.append(
            Cell(
                corner[0]["count"] if corner else None,
                period,
                total_name,
                KINDS[kind],
                "All",
                total=True,
            )
        )
        table.rows.append(Row(f"All {KINDS[kind].lower()} reports", total_row, total=True))
        return table

    def by_role(self) -> Table:
        roles = sorted(ROLES, key=lambda r: ROLES[r].casefold())
        return self._breakdown("role", "Staff group", [(r, ROLES[r]) for r in roles])

    def by_severity(self) -> Table:
        # Severity is a scale, so it keeps its order (low to high) rather than an alphabet.
        return self._breakdown("severity", "Severity", list(SEVERITIES.items()))

    def _breakdown(self, dimension: str, corner: str, values: list[tuple[str, str]]) -> Table:
        """Published table 2 or 3 for the latest period: one column per kind, with bars."""
        s = self.selection
        period = s.latest
        organisation = self.organisation_name()
        columns = {}
        for kind in s.kinds:
            cells = self.ask([dimension], period, period, kind=kind, department=s.department)
            totals = self.ask([], period, period, kind=kind, department=s.department)
            columns[kind] = (
                {c[dimension]: c["count"] for c in cells},
                totals[0]["count"] if totals else None,
            )
        plural = "staff group" if dimension == "role" else dimension
        table = Table(
            key=f"by-{dimension}",
            title=f"Reports by {plural}, {period}",
            corner=corner,
            columns=[KINDS[k] for k in s.kinds],
            bars=True,
        )
        for slug, name in values:
            table.rows.append(
                Row(
                    name,
                    [
                        Cell(
                            columns[k][0].get(slug),
                            period,
                            organisation,
                            KINDS[k],
                            **{dimension: name},
                        )
                        for k in s.kinds
                    ],
                )
            )
        table.rows.append(
            Row(
                "All reports",
                [
                    Cell(
                        columns[k][1],
                        period,
                        organisation,
                        KINDS[k],
                        **{dimension: "All"},
                        total=True,
                    )
                    for k in s.kinds
                ],
                total=True,
            )
        )
        return table

    # Charts ----------------------------------------------------------------------------

    def chart_data(self, tables: Sequence[Table]) -> dict[str, Any]:
        """What dashboard.js draws: the over-time tables, hidden cells as ``null``."""
        charts = []
        for table in tables:
            if not table.key.startswith("over-time-"):
                continue
            charts.append(
                {
                    "id": table.key,
                    "title": table.title,
                    "periods": table.columns,
                    "series": [
                        {"label": row.label, "values": [c.count for c in row.cells]}
                        for row in table.rows
                        if not row.total
                    ],
                }
            )
        return {"hiddenLabel": HIDDEN, "charts": charts}

    # Indicators ------------------------------------------------------------------------

    def count(self, period: str | None, **filters: str | None) -> tuple[bool, int | None]:
        """(released, count) of one published total; a period not released is (False, None)."""
        if period is None or period not in self.selection.available:
            return False, None
        cells = self.ask([], period, period, department=self.selection.department, **filters)
        return True, cells[0]["count"] if cells else None

    def indicators(self) -> list[Indicator]:
        if not self.selection.available:
            return []
        return [self.near_miss_volume(), self.high_distress_share()]

    def near_miss_volume(self) -> Indicator:
        period = self.selection.latest
        _, now = self.count(period, kind="near-miss")
        changes = []
        for label, other in self.comparisons(period):
            released, before = self.count(other, kind="near-miss")
            changes.append(_change(label, other, released, now, before, _count_change))
        return Indicator(
            title=f"Near-misses reported, {period}",
            value=str(now) if now is not None else NOT_AVAILABLE_HIDDEN,
            available=now is not None,
            note="A rising count of near-misses is a sign of a healthy reporting culture: "
            "people trust that speaking up is safe and useful.",
            changes=tuple(changes),
        )

    def share(self, period: str | None) -> tuple[bool, float | None]:
        released, high = self.count(period, kind="moral-distress", severity="high")
        _, every = self.count(period, kind="moral-distress")
        if not released or high is None or not every:
            return released, None
        return True, high / every

    def high_distress_share(self) -> Indicator:
        period = self.selection.latest
        _, now = self.share(period)
        changes = []
        for label, other in self.comparisons(period):
            released, before = self.share(other)
            changes.append(_change(label, other, released, now, before, _share_change))
        return Indicator(
            title=f"Moral distress reported as high severity, {period}",
            value=f"{now:.0%}" if now is not None else NOT_AVAILABLE_HIDDEN,
            available=now is not None,
            note="High-severity moral distress reports as a share of all moral distress "
            "reports (distress thermometer 7 to 10).",
            changes=tuple(changes),
        )

    def comparisons(self, period: str) -> list[tuple[str, str]]:
        granularity = self.selection.granularity
        found = [(f"Against the previous {granularity}", previous_period(period))]
        if granularity != "year":
            found.append(("Against a year earlier", year_earlier(period)))
        return found


def _change(label, other, released, now, before, describe) -> Change:
    if not released:
        return Change(f"{label} ({other})", NOT_AVAILABLE_UNRELEASED, False)
    if now is None or before is None:
        return Change(f"{label} ({other})", NOT_AVAILABLE_HIDDEN, False)
    return Change(f"{label} ({other})", describe(now, before), True)


def _count_change(now: int, before: int) -> str:
    difference = now - before
    return f"{difference:+d} ({difference / before:+.0%}) from {before}"


def _share_change(now: float, before: float) -> str:
    points = round(100 * now) - round(100 * before)
    return f"{points:+d} percentage points from {before:.0%}"
