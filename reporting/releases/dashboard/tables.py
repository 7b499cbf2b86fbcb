"""The dashboard's tables: the released numbers of one view, laid out as rows and cells.

Each table is one published question's answer: categories over time, categories by
department (or unit), staff groups and severities. A hidden cell stays ``None`` here and
on to the page and the CSV, where it is shown as hidden, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reporting.releases import coverage
from reporting.releases.dashboard.questions import Questions
from reporting.taxonomy import KINDS, ROLES, SEVERITIES


def why_hidden(threshold: int) -> str:
    """The one explanation every hidden cell gets. Which of the two reasons applies is
    never said: "fewer than k" would place the number between 1 and k-1."""
    return (
        f"Hidden for anonymity: either fewer than {threshold} reports, or hidden so that "
        "another small number cannot be worked out from it. Which of the two is never "
        "said, because saying it would give a small number away."
    )


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
    # A rate cell shows reports per 100 staff (``rate``), derived from a published count
    # and a declared headcount; ``None`` when either is missing. It is never "hidden".
    is_rate: bool = False
    rate: float | None = None
    measure: str = "reports"  # or "staff", "reports per 100 staff" (rate cells)

    @property
    def hidden(self) -> bool:
        return self.count is None and not self.is_rate


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
    column_notes: dict[str, str] = field(default_factory=dict)  # "partial: 2 of 12 months"

    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells]

    def bar_width(self, cell: Cell, column: int) -> int:
        """A bar's length in percent of the column's largest published number."""
        values = [r.cells[column].count for r in self.rows if not r.total]
        top = max((v for v in values if v is not None), default=0)
        return round(100 * cell.count / top) if top and cell.count is not None else 0


def over_time(view: Questions, kind: str, categories: bool = True) -> Table:
    """Categories of one kind per period (unless ``categories`` is false), with the kind's
    total: the chart's numbers."""
    s = view.selection
    cells = view.ask(["category"], s.since, s.until, kind=kind, department=s.department)
    totals = view.ask([], s.since, s.until, kind=kind, department=s.department)
    by_key = {(c["period"], c["category"]): c["count"] for c in cells}
    organisation = view.organisation_name()
    table = Table(
        key=f"over-time-{kind}",
        title=f"{KINDS[kind]} reports by category, per {s.granularity}",
        corner="Category",
        columns=list(s.periods),
        column_notes=partial_periods(view),
    )
    for slug in view.categories(kind) if categories else ():
        name = view.category_name(kind, slug)
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


def partial_periods(view: Questions) -> dict[str, str]:
    """Notes for the shown periods not wholly released (a year begun before the first
    release): a comparison with them is coverage, not change."""
    notes = {}
    for period in view.selection.periods:
        found = coverage.coverage(view.released, period)
        if found.partial:
            notes[period] = "partial: " + found.describe()
    return notes


def by_organisation(view: Questions, kind: str) -> Table:
    """Categories of one kind by department (or by unit within the chosen department)."""
    s = view.selection
    period = s.latest
    organisations = view.organisations()
    dimension = "unit" if s.department else "department"
    cells = view.ask([dimension, "category"], period, period, kind=kind, department=s.department)
    org_totals = view.ask([dimension], period, period, kind=kind, department=s.department)
    category_totals = view.ask(["category"], period, period, kind=kind, department=s.department)
    corner = view.ask([], period, period, kind=kind, department=s.department)
    by_key = {(c[dimension], c["category"]): c["count"] for c in cells}
    by_org = {c[dimension]: c["count"] for c in org_totals}
    by_category = {c["category"]: c["count"] for c in category_totals}
    total_name = view.organisation_name()
    table = Table(
        key=f"by-{dimension}-{kind}",
        title=f"{KINDS[kind]} reports by {dimension} and category, {period}",
        corner="Category",
        columns=[name for _, _, name in organisations] + [f"{total_name} (total)"],
    )
    for slug in view.categories(kind):
        name = view.category_name(kind, slug)
        row = [
            Cell(by_key.get((org, slug)), period, org_name, KINDS[kind], name)
            for _, org, org_name in organisations
        ]
        row.append(Cell(by_category.get(slug), period, total_name, KINDS[kind], name, total=True))
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


def by_role(view: Questions) -> Table:
    roles = sorted(ROLES, key=lambda r: ROLES[r].casefold())
    return _breakdown(view, "role", "Staff group", [(r, ROLES[r]) for r in roles])


def by_severity(view: Questions) -> Table:
    # Severity is a scale, so it keeps its order (low to high) rather than an alphabet.
    return _breakdown(view, "severity", "Severity", list(SEVERITIES.items()))


def _breakdown(
    view: Questions, dimension: str, corner: str, values: list[tuple[str, str]]
) -> Table:
    """Published table 2 or 3 for the latest period: one column per kind, with bars."""
    s = view.selection
    period = s.latest
    organisation = view.organisation_name()
    columns = {}
    for kind in s.kinds:
        cells = view.ask([dimension], period, period, kind=kind, department=s.department)
        totals = view.ask([], period, period, kind=kind, department=s.department)
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
