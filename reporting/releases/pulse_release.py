"""Releasing a closed pulse wave: its tables through the suppression engine, stored frozen.

The same engine and guarantees as the monthly releases (``disclosure.suppress``: every cell
under k hidden, complementary suppression, the exact check), over the wave's own linked
tables (``pulse_cube``). A wave's respondents are a population of their own: no published
number of another wave or of the report tables is a sum of its cells or they of it, so
each wave's system is checked on its own and none of them moves when another is released.
Percent favourable is derived by readers from published counts only (``percent``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from reporting.db import database
from reporting.models import PulseRelease, PulseReleasedCell, PulseResponse
from reporting.pulse import instruments
from reporting.pulse.waves import WaveError, get_wave, invited
from reporting.releases import disclosure
from reporting.releases.pulse_cube import PulseResponseRow, build_cube

CHUNK = 500


@dataclass(frozen=True)
class PulseReleaseSummary:
    wave: str
    published: int
    hidden: int
    hidden_at_least_k: int
    included_units: list[str]
    left_out_units: list[str]
    left_out_respondents: int


def release_wave(
    wave_id: str,
    *,
    threshold: int,
    min_rate: float,
    departments: Mapping[str, str],
    roles,
    today: dt.date,
) -> PulseReleaseSummary:
    """Build and store a closed wave's release; refused if open or already released."""
    wave = get_wave(wave_id)
    if wave.status == "open":
        raise WaveError(f"wave {wave_id} is still open: close it first")
    if wave.status == "released" or PulseRelease.get_or_none(PulseRelease.wave == wave_id):
        raise WaveError(f"wave {wave_id} is already released; a release never changes")
    instrument = instruments.load(wave.instrument, wave.instrument_version)
    rows = [
        PulseResponseRow(r.unit, r.role, json.loads(r.answers))
        for r in PulseResponse.select(PulseResponse.unit, PulseResponse.role, PulseResponse.answers)
        .where(PulseResponse.wave == wave_id)
    ]  # fmt: skip
    unknown = {r.unit for r in rows} - set(departments) - {"prefer-not"}
    if unknown:
        raise WaveError(f"responses name units the taxonomy no longer has: {sorted(unknown)}")
    cube = build_cube(
        instrument, rows, departments=departments, roles=roles,
        invited=invited(wave), min_rate=min_rate,
    )  # fmt: skip
    outcome = disclosure.suppress(cube.cells, cube.relations, threshold)
    published = [k for k, c in cube.cells.items() if c.publishable]
    with database.atomic():
        release = PulseRelease.create(
            wave=wave_id,
            threshold=threshold,
            min_response_rate=str(min_rate),
            included_units=json.dumps(cube.included_units),
            left_out_respondents=cube.left_out_respondents,
            cells_published=sum(1 for k in published if k not in outcome.hidden),
            cells_hidden=sum(1 for k in published if k in outcome.hidden),
            hidden_at_least_k=outcome.hidden_at_least_k,
            built=today,
        )
        stored = [
            {"release": release.wave_id, "org": k[0], "role": k[1], "measure": k[2],
             "band": k[3], "value": None if k in outcome.hidden else cube.cells[k].value}
            for k in published
        ]  # fmt: skip
        for start in range(0, len(stored), CHUNK):
            PulseReleasedCell.insert_many(stored[start : start + CHUNK]).execute()
        wave.status = "released"
        wave.save()
    return PulseReleaseSummary(
        wave_id,
        release.cells_published,
        release.cells_hidden,
        outcome.hidden_at_least_k,
        cube.included_units,
        cube.left_out_units,
        cube.left_out_respondents,
    )


def published_left_out(respondents: int, threshold: int) -> int | None:
    """How many answers units below the response floor gave, as leadership may see it: None
    when under the threshold. Those units are in no table, so this count meets no other
    number, but on its own it is a small group's count like any other cell."""
    return respondents if respondents == 0 or respondents >= threshold else None


def released_cells(wave_id: str) -> dict[tuple, int | None]:
    """Every published-or-hidden cell of a released wave: (org, role, measure, band) -> value."""
    query = PulseReleasedCell.select().where(PulseReleasedCell.release == wave_id)
    return {(c.org, c.role, c.measure, c.band): c.value for c in query}


def percent(favourable: int | None, *others: int | None) -> float | None:
    """Percent favourable from published counts only; None if any of them is hidden."""
    if favourable is None or any(o is None for o in others):
        return None
    total = favourable + sum(others)
    return None if total == 0 else round(100 * favourable / total, 1)
