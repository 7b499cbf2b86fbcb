"""The department views: totals, which survive suppression where category detail does not.

On the demo's data about 70 % of a month's department x category table is hidden, while
department totals by month are about 5 % hidden: the totals are the default, sorted by
size so the largest sits on top, with rates per 100 staff where the release declared a
headcount. Category detail by department stays one click away.
"""

from __future__ import annotations

from reporting.releases import coverage
from reporting.releases.coverage import unit_key
from reporting.releases.dashboard.questions import Questions
from reporting.releases.dashboard.tables import Cell, Row, Table, partial_periods
from reporting.taxonomy import KINDS


def _by_size(rows: list[Row], column: int | None = None) -> list[Row]:
    """Largest first by one column (or the row's published sum); hidden ones last."""

    def size(row: Row) -> tuple:
        cells = row.cells if column is None else [row.cells[column]]
        known = [c.count for c in cells if c.count is not None and not c.is_rate]
        return (not known, -sum(known), row.label.casefold())

    return sorted(rows, key=size)


def departments_over_time(view: Questions, kind: str) -> Table:
    """Each department's total of one kind per period, with the organisation's: the
    department lines of the chart."""
    s = view.selection
    cells = view.ask(["department"], s.since, s.until, kind=kind)
    totals = view.ask([], s.since, s.until, kind=kind)
    by_key = {(c["period"], c["department"]): c["count"] for c in cells}
    table = Table(
        key=f"over-time-departments-{kind}",
        title=f"{KINDS[kind]} reports by department, per {s.granularity}",
        corner="Department",
        columns=list(s.periods),
        column_notes=partial_periods(view),
    )
    rows = [
        Row(name, [Cell(by_key.get((p, slug)), p, name, KINDS[kind]) for p in s.periods])
        for _, slug, name in view.organisations()
    ]
    table.rows = _by_size(rows)
    total = {c["period"]: c["count"] for c in totals}
    organisation = view.organisation_name()
    table.rows.append(
        Row(
            f"All {KINDS[kind].lower()} reports",
            [Cell(total.get(p), p, organisation, KINDS[kind], total=True) for p in s.periods],
            total=True,
        )
    )
    return table


def department_totals(view: Questions) -> Table:
    """Reports of each kind by department (or, inside one, by unit) in the latest period,
    the staff the release declared and the rate per 100 staff, largest first."""
    s = view.selection
    period = s.latest
    dimension = "unit" if s.department else "department"
    kinds = s.kinds
    counts = {
        kind: {
            c[dimension]: c["count"]
            for c in view.ask([dimension], period, period, kind=kind, department=s.department)
        }
        for kind in kinds
    }
    every = {
        c[dimension]: c["count"]
        for c in view.ask([dimension], period, period, department=s.department)
        if len(kinds) > 1
    }
    columns = [KINDS[k] for k in kinds]
    if len(kinds) > 1:
        columns.append("All reports")
    columns += ["Staff", "Reports per 100 staff"]
    table = Table(
        key=f"{dimension}-totals",
        title=f"Reports by {dimension}, {period}",
        corner=dimension.capitalize(),
        columns=columns,
    )
    for _, slug, name in view.organisations():
        row = [Cell(counts[k].get(slug), period, name, KINDS[k]) for k in kinds]
        if len(kinds) > 1:
            row.append(Cell(every.get(slug), period, name, "All", total=True))
        staff_key = unit_key(slug) if dimension == "unit" else slug
        row += _rate_cells(view, period, staff_key, name, row[-1])
        table.rows.append(Row(name, row))
    table.rows = _by_size(table.rows, len(kinds) if len(kinds) > 1 else 0)
    table.rows.append(_organisation_row(view, period, kinds))
    return table


def _rate_cells(view: Questions, period: str, org: str, name: str, counted: Cell):
    """The declared staff and the rate of ``counted`` (the row's last count) per 100."""
    staff = coverage.headcount(view.released, period, org)
    rate = coverage.per_100_staff(counted.count, staff)
    return [
        Cell(None, period, name, counted.kind, is_rate=True, rate=staff, measure="staff"),
        Cell(
            None,
            period,
            name,
            counted.kind,
            is_rate=True,
            rate=rate,
            measure="reports per 100 staff",
        ),
    ]


def _organisation_row(view: Questions, period: str, kinds: list[str]) -> Row:
    s = view.selection
    name = view.organisation_name()
    row = []
    for kind in kinds:
        found = view.ask([], period, period, kind=kind, department=s.department)
        row.append(
            Cell(found[0]["count"] if found else None, period, name, KINDS[kind], total=True)
        )
    if len(kinds) > 1:
        found = view.ask([], period, period, department=s.department)
        row.append(Cell(found[0]["count"] if found else None, period, name, "All", total=True))
    row += _rate_cells(view, period, s.department or "*", name, row[-1])
    return Row(f"All {'departments' if not s.department else 'units'}", row, total=True)
