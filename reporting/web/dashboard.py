"""The leadership dashboard: released trends as charts, tables, indicators and a CSV export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request

from reporting.releases import pulse_results
from reporting.releases.dashboard import Dashboard, InvalidSelection, select, why_hidden
from reporting.releases.dashboard.pulse_board import (
    columns,
    department_rows,
    group_rows,
    item_rows,
)
from reporting.taxonomy import KINDS
from reporting.web.auditing import audit
from reporting.web.auth import role_required
from reporting.web.services import released_cells, services

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

CSV_COLUMNS = (
    "table",
    "period",
    "organisation",
    "kind",
    "category",
    "role",
    "severity",
    "measure",
    "count",
    "hidden",
    "why_hidden",
)
# A text cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _dashboard() -> Dashboard:
    taxonomy = services().require_taxonomy()
    released = released_cells()
    try:
        selection = select(request.args.to_dict(flat=False), released, taxonomy)
    except InvalidSelection as exc:
        abort(400, description="This view is not available: " + str(exc))
    return Dashboard(selection, released, taxonomy)


@bp.get("/pulse")
@role_required("leadership")
def pulse():
    """Released pulse waves by department, staff group and statement; lookups only."""
    taxonomy = services().require_taxonomy()
    waves = pulse_results.released_waves()
    reports = released_cells().values
    return render_template(
        "dashboard/pulse.html",
        columns=columns(waves),
        departments=department_rows(waves, taxonomy, reports),
        groups=group_rows(waves),
        items=item_rows(waves),
    )


@bp.get("")
@role_required("leadership")
def index():
    board = _dashboard()
    tables = board.tables()
    return render_template(
        "dashboard/index.html",
        board=board,
        selection=board.selection,
        tables={t.key: t for t in tables},
        indicators=board.indicators(),
        chart_data=board.chart_data(tables),
        kinds=KINDS,
        departments=sorted(board.taxonomy.departments.values(), key=lambda d: d.name.casefold()),
        threshold=board.released.threshold,
        why_hidden=why_hidden(board.released.threshold),
    )


@bp.get("/export.csv")
@role_required("leadership")
def export_csv():
    board = _dashboard()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    why = why_hidden(board.released.threshold)
    for table in board.tables():
        for cell in table.cells():
            texts = [
                table.title,
                cell.period,
                cell.organisation,
                cell.kind,
                cell.category,
                cell.role,
                cell.severity,
                cell.measure,
            ]
            writer.writerow(
                [*map(spreadsheet_safe, texts), *_csv_value(cell), why if cell.hidden else ""]
            )
    latest = board.selection.latest or "none"
    audit("export", "trends.csv", board.selection.params())
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="trends-{board.selection.granularity}-{latest}.csv"'
    )
    return response


def _csv_value(cell) -> tuple[str, str]:
    """The count (or a rate, one decimal) and whether it is hidden."""
    if cell.is_rate:
        rate = cell.rate
        shown = "" if rate is None else str(rate) if isinstance(rate, int) else f"{rate:.1f}"
        return shown, "no"
    return ("", "yes") if cell.hidden else (str(cell.count), "no")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: a leading quote stops formula evaluation."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
