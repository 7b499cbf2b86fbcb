"""What leadership sees of pulse waves: lookups in released waves' frozen cells, nothing else.

Every figure is a stored cell of a wave's release (``pulse_release``) or derived from such
cells only (percent favourable): no count is ever made over responses here.
"""

from __future__ import annotations

import json

from reporting.models import PulseRelease, PulseWave
from reporting.pulse import instruments
from reporting.releases.pulse_release import percent, published_left_out, released_cells


class UnknownWave(Exception):
    """No released wave has this id."""


def released_waves(wave_id: str | None = None) -> list[dict]:
    """Released waves, oldest first, each with its cells and percent favourable."""
    query = (
        PulseRelease.select(PulseRelease, PulseWave)
        .join(PulseWave)
        .order_by(PulseWave.opens, PulseWave.id)
    )
    if wave_id is not None:
        query = query.where(PulseRelease.wave == wave_id)
    found = [_wave_json(release) for release in query]
    if wave_id is not None and not found:
        raise UnknownWave(wave_id)
    return found


def _wave_json(release: PulseRelease) -> dict:
    wave = release.wave
    instrument = instruments.load(wave.instrument, wave.instrument_version)
    cells = released_cells(wave.id)
    measures = [i.id for i in instrument.items] + list(instrument.composites)
    favourable = []
    for org, role, measure, band in sorted(cells):
        if measure in measures and band == instruments.FAVOURABLE:
            value = percent(
                cells[(org, role, measure, instruments.FAVOURABLE)],
                cells[(org, role, measure, instruments.NEUTRAL)],
                cells[(org, role, measure, instruments.UNFAVOURABLE)],
            )
            favourable.append({"org": org, "role": role, "measure": measure, "percent": value})
    return {
        "wave": wave.id,
        "instrument": wave.instrument,
        "version": wave.instrument_version,
        "title": instrument.title,
        "opens": wave.opens.isoformat(),
        "closes": wave.closes.isoformat(),
        "threshold": release.threshold,
        "min_response_rate": float(release.min_response_rate),
        "included_units": json.loads(release.included_units),
        "left_out_respondents": published_left_out(release.left_out_respondents, release.threshold),
        "items": [{"id": i.id, "text": i.text, "reverse": i.reverse} for i in instrument.items],
        "composites": instrument.composite_labels,
        "cells": [
            {"org": o, "role": r, "measure": m, "band": b, "count": v}
            for (o, r, m, b), v in sorted(cells.items())
        ],
        "percent_favourable": favourable,
    }
