"""The published questions one dashboard view asks, and the names it shows for answers.

Every number the dashboard shows comes through `Questions.ask`, which goes to
`trends.answer` over the released cells, never to report rows: the tables and indicators
built on it can show nothing the JSON API could not.
"""

from __future__ import annotations

from collections.abc import Sequence

from reporting.releases import trends
from reporting.releases.dashboard.selection import Selection
from reporting.taxonomy import Taxonomy


class Questions:
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

    def count(self, period: str | None, **filters: str | None) -> tuple[bool, int | None]:
        """(released, count) of one published total; a period not released is (False, None)."""
        if period is None or period not in self.selection.available:
            return False, None
        cells = self.ask([], period, period, department=self.selection.department, **filters)
        return True, cells[0]["count"] if cells else None

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
