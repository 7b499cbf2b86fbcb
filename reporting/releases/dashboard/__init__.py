"""What the leadership dashboard shows: tables, chart series and indicators from released cells.

Every number here comes from `trends.answer` over the released cells, never from report
rows, so the dashboard can show nothing the JSON API could not. Hidden cells stay ``None``
all the way to the page, the chart data and the CSV; indicators are computed only from
published numbers and say so when an input is hidden. No Flask here.
"""

from reporting.releases.dashboard.board import Dashboard
from reporting.releases.dashboard.indicators import Change, Indicator
from reporting.releases.dashboard.selection import InvalidSelection, Selection, select
from reporting.releases.dashboard.tables import Cell, Row, Table, why_hidden

__all__ = [
    "Cell",
    "Change",
    "Dashboard",
    "Indicator",
    "InvalidSelection",
    "Row",
    "Selection",
    "Table",
    "select",
    "why_hidden",
]
