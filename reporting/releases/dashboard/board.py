"""One dashboard view: its published questions with the tables, charts and indicators built on them.

The web layer holds a `Dashboard` per request and renders what it returns; building each
part lives in its own module, so this class only ties them to one selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reporting.releases.dashboard.charts import chart_data
from reporting.releases.dashboard.indicators import Indicator, build_indicators
from reporting.releases.dashboard.questions import Questions
from reporting.releases.dashboard.tables import Table, build_tables


class Dashboard(Questions):
    """The lookups behind one view, and the tables, chart data and indicators they give."""

    def tables(self) -> list[Table]:
        return build_tables(self)

    def chart_data(self, tables: Sequence[Table]) -> dict[str, Any]:
        """What dashboard.js draws: the over-time tables, hidden cells as ``null``."""
        return chart_data(tables)

    def indicators(self) -> list[Indicator]:
        return build_indicators(self)
