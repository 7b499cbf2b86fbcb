"""One dashboard view: its published questions with the tables, charts and indicators built on them.

The web layer holds a `Dashboard` per request and renders what it returns; building each
part lives in its own module, so this class only ties them to one selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reporting.releases.dashboard.charts import chart_data
from reporting.releases.dashboard.departments import department_totals, departments_over_time
from reporting.releases.dashboard.indicators import Indicator, build_indicators
from reporting.releases.dashboard.questions import Questions
from reporting.releases.dashboard.tables import (
    Table,
    by_organisation,
    by_role,
    by_severity,
    over_time,
)


def build_tables(view: Questions) -> list[Table]:
    """Every table of the view, chosen for the numbers that survive suppression: over
    time by category and by department, department totals with rates, staff groups and
    severity; category detail by department when asked for (``breakdown=category``)."""
    if not view.selection.available:
        return []
    s = view.selection
    # Inside one department most unit, category, staff group and severity cells of a
    # month are hidden (bench/hidden_share.py): there they are shown when asked for.
    detail = s.breakdown == "category"
    found = [over_time(view, kind, categories=detail or not s.department) for kind in s.kinds]
    if not s.department:
        found += [departments_over_time(view, kind) for kind in s.kinds]
    if detail or not s.department:
        found.append(department_totals(view))
    if detail:
        found += [by_organisation(view, kind) for kind in s.kinds]
    if detail or not s.department:
        found += [by_role(view), by_severity(view)]
    return found


class Dashboard(Questions):
    """The lookups behind one view, and the tables, chart data and indicators they give."""

    def tables(self) -> list[Table]:
        return build_tables(self)

    def chart_data(self, tables: Sequence[Table]) -> dict[str, Any]:
        """What dashboard.js draws: the over-time tables, hidden cells as ``null``."""
        return chart_data(tables)

    def indicators(self) -> list[Indicator]:
        return build_indicators(self)
