"""The chart series dashboard.js draws, from the over-time tables already shown.

The charts carry the tables' own numbers, so a chart can show nothing the table beside it
does not; a hidden cell is ``null`` in the series and drawn as a gap, labelled as hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reporting.releases.dashboard.tables import Table

HIDDEN = "hidden for anonymity"


def chart_data(tables: Sequence[Table]) -> dict[str, Any]:
    """What dashboard.js draws: the over-time tables, hidden cells as ``null``."""
    charts = []
    for table in tables:
        if not table.key.startswith("over-time-"):
            continue
        # Inside one department the chart is the kind's total alone (no category lines).
        rows = [r for r in table.rows if not r.total] or [r for r in table.rows if r.total]
        if not rows:
            continue
        charts.append(
            {
                "id": table.key,
                "title": table.title,
                "periods": table.columns,
                "series": [{"label": r.label, "values": [c.count for c in r.cells]} for r in rows],
            }
        )
    return {"hiddenLabel": HIDDEN, "charts": charts}
