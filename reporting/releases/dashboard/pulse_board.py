"""The leadership view of pulse waves: percent favourable by department and wave, beside the
same departments' near-miss reports in the wave's quarter. Pure: released cells in, rows out.

Every number is a released pulse cell, a released report cell, or a percentage of released
counts; a hidden one reads "hidden" and is never estimated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reporting.periods import quarter_of
from reporting.taxonomy import ROLES, Taxonomy

COMPOSITE = "psych-safety"


@dataclass(frozen=True)
class WaveColumn:
    wave: str
    label: str  # "2 Nov – 20 Nov 2026"
    quarter: str  # the quarter the wave closed in: its report counts sit beside it
    left_out: str  # "", "12 answers" or "fewer than 5 answers" from units below the floor


NOT_RELEASED = "not released yet"


@dataclass(frozen=True)
class BoardRow:
    key: str  # *, d:<department>, a staff group, or an item id
    label: str
    # per wave: (percent favourable or None, respondents or None, near-miss reports: a
    # count, None when hidden, or NOT_RELEASED while that quarter has no release yet)
    cells: tuple[tuple[float | None, int | None, int | str | None], ...]


def columns(waves: Sequence[Mapping]) -> list[WaveColumn]:
    found = []
    for wave in waves:
        opens, closes = wave["opens"], wave["closes"]
        label = f"{_day(opens)} – {_day(closes)} {closes[:4]}"
        found.append(WaveColumn(wave["wave"], label, quarter_of(closes[:7]), _left_out(wave)))
    return found


def _left_out(wave: Mapping) -> str:
    count = wave["left_out_respondents"]
    if count is None:
        return f"fewer than {wave['threshold']} answers"
    return f"{count:,} answers" if count else ""


def _day(iso: str) -> str:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{int(iso[8:10])} {months[int(iso[5:7]) - 1]}"


def _index(wave: Mapping) -> tuple[dict, dict]:
    counts = {(c["org"], c["role"], c["measure"], c["band"]): c["count"] for c in wave["cells"]}
    shares = {(p["org"], p["role"], p["measure"]): p["percent"] for p in wave["percent_favourable"]}
    return counts, shares


def department_rows(
    waves: Sequence[Mapping], taxonomy: Taxonomy, reports: Mapping[tuple, int | None]
) -> list[BoardRow]:
    """The organisation, then each department, by composite percent favourable per wave."""
    indexed = [_index(w) for w in waves]
    quarters = [c.quarter for c in columns(waves)]
    orgs = [("*", "Whole organisation")] + sorted(
        ((f"d:{slug}", d.name) for slug, d in taxonomy.departments.items()),
        key=lambda pair: pair[1].casefold(),
    )
    rows = []
    for org, label in orgs:
        cells = []
        for (counts, shares), quarter in zip(indexed, quarters, strict=True):
            reported = reports.get((quarter, org, "near-miss", "*", "*", "*"), NOT_RELEASED)
            cells.append(
                (
                    shares.get((org, "*", COMPOSITE)),
                    counts.get((org, "*", "respondents", "*")),
                    reported,
                )
            )
        if any(value is not None for cell in cells for value in cell[:2]):
            rows.append(BoardRow(org, label, tuple(cells)))
    return rows


def group_rows(waves: Sequence[Mapping]) -> list[BoardRow]:
    """The organisation's staff groups, by composite percent favourable per wave."""
    indexed = [_index(w) for w in waves]
    rows = []
    for role, label in ROLES.items():
        if role == "not-given":
            continue
        cells = tuple(
            (shares.get(("*", role, COMPOSITE)), counts.get(("*", role, "respondents", "*")), None)
            for counts, shares in indexed
        )
        rows.append(BoardRow(role, label, cells))
    return rows


def item_rows(waves: Sequence[Mapping]) -> list[BoardRow]:
    """Each item of the latest wave's instrument, organisation-wide, per wave."""
    if not waves:
        return []
    indexed = [_index(w) for w in waves]
    rows = []
    for item in waves[-1]["items"]:
        label = item["text"] + (" (reverse-scored)" if item["reverse"] else "")
        cells = tuple(
            (shares.get(("*", "*", item["id"])), counts.get(("*", "*", "respondents", "*")), None)
            for counts, shares in indexed
        )
        rows.append(BoardRow(item["id"], label, cells))
    return rows
