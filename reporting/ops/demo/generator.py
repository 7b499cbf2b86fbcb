"""How many synthetic reports the demo files, and what each one says.

Volumes follow unit headcounts, falls and infections rise in winter, emergency medicine's
moral distress rises steadily, and categories, roles and coded fields are drawn from
weights shaped like a real hospital's. Every draw comes from one seeded generator, so a
seed gives the same reports.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from reporting.ops.demo.narratives import pick_narrative
from reporting.privacy.deid import Scrubber
from reporting.submissions import DISTRESS_TYPES, Submission
from reporting.taxonomy import DEPARTMENT_PREFIX, NOT_GIVEN, Taxonomy

RISING_DEPARTMENT = "emergency"  # moral distress here more than doubles over the period

# Reports per head per month, by kind, before seasons and departments.
BASE_RATE = {"near-miss": 0.055, "moral-distress": 0.04}

NEAR_MISS_WEIGHTS = {
    "medication": 30,
    "fall": 14,
    "device-health-it": 10,
    "infection": 8,
    "pressure-injury": 8,
    "surgery-anesthesia": 5,
    "vte": 5,
    "blood-product": 3,
    "perinatal": 1,
    "other": 10,
}
MORAL_DISTRESS_WEIGHTS = {
    "unsafe-staffing": 28,
    "non-beneficial-treatment": 10,
    "end-of-life-care": 8,
    "false-hope": 5,
    "cost-pressure": 7,
    "team-conflict": 12,
    "lack-of-support": 12,
    "pressure-to-stay-silent": 5,
    "abusive-behaviour": 6,
    "other": 7,
}
DEPARTMENT_AFFINITY: dict[str, dict[str, float]] = {
    "emergency": {"fall": 1.3, "unsafe-staffing": 1.8, "abusive-behaviour": 2.5},
    "critical-care": {
        "device-health-it": 2,
        "pressure-injury": 1.5,
        "infection": 1.5,
        "non-beneficial-treatment": 3,
        "end-of-life-care": 2.5,
        "false-hope": 1.5,
    },
    "medicine": {"fall": 1.4, "vte": 1.5},
    "older-people": {"fall": 3, "pressure-injury": 2.5, "end-of-life-care": 2},
    "surgery": {"surgery-anesthesia": 6, "vte": 2, "team-conflict": 1.5},
    "women-children": {"perinatal": 25, "fall": 0.3, "pressure-injury": 0.3},
    "cancer": {
        "blood-product": 3,
        "medication": 1.3,
        "false-hope": 3,
        "end-of-life-care": 2,
        "non-beneficial-treatment": 2,
    },
    "clinical-support": {
        "medication": 1.5,
        "device-health-it": 2,
        "blood-product": 3,
        "fall": 0.3,
        "pressure-injury": 0.2,
        "cost-pressure": 2,
    },
}
ROLE_WEIGHTS = {
    "nursing": 52,
    "medical": 18,
    "allied-health": 10,
    "support": 8,
    "trainee": 6,
    NOT_GIVEN: 6,
}
ROLE_AFFINITY = {
    "clinical-support": {"allied-health": 6, "nursing": 0.2},
    "surgery": {"medical": 1.6},
    "emergency": {"medical": 1.3, "trainee": 1.5},
}
STOPPED_BY_WEIGHTS = {"staff": 60, "system": 18, "patient-family": 10, "chance": 12}
HARM_WEIGHTS = {"none": 18, "mild": 36, "moderate": 30, "severe": 11, "death": 2, "unknown": 3}
DISTRESS_TYPE_WEIGHTS = dict(zip(DISTRESS_TYPES, (12, 18, 45, 25), strict=True))


@dataclass(frozen=True)
class Volume:
    """The demo's shape: how many closed months and a multiplier on every rate."""

    months: int = 24
    scale: float = 2.0
    seed: int = 2026


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # a normal approximation; Knuth's method underflows for large means
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _pick(rng: random.Random, weights: dict[str, float], affinity: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, [weights[n] * affinity.get(n, 1.0) for n in names])[0]


def _season(month: int) -> dict[str, float]:
    """Winter pressure: falls, infections and staffing distress rise December to February."""
    if month in (12, 1, 2):
        return {"fall": 1.9, "infection": 2.2, "unsafe-staffing": 1.6, "lack-of-support": 1.2}
    if month in (11, 3):
        return {"fall": 1.3, "infection": 1.4, "unsafe-staffing": 1.2}
    if month == 8:  # new trainees start: more medication near-misses
        return {"medication": 1.3}
    return {}


def generate(
    taxonomy: Taxonomy, periods: list[str], volume: Volume, scrubber: Scrubber
) -> Iterator[tuple[str, Submission]]:
    """(period, submission) pairs for every month and unit; the seed fixes every choice."""
    rng = random.Random(volume.seed)
    scrubbed: dict[str, str] = {}
    units = sorted((u for u in taxonomy.units.values() if not u.retired), key=lambda u: u.slug)
    for step, period in enumerate(periods):
        month = int(period[5:])
        season = _season(month)
        progress = step / max(len(periods) - 1, 1)
        for unit in units:
            headcount = unit.headcount if unit.headcount is not None else 20
            department = unit.department
            for kind, base in BASE_RATE.items():
                mean = headcount * base * volume.scale
                if kind == "moral-distress":
                    mean *= 1.15 if month in (12, 1, 2) else 1.0
                    if department == RISING_DEPARTMENT:
                        mean *= 0.8 + 1.4 * progress
                else:
                    mean *= 1.1 if month in (12, 1, 2) else 1.0
                for _ in range(_poisson(rng, mean)):
                    yield (
                        period,
                        _report(
                            rng, kind, unit.slug, department, season, progress, scrubber, scrubbed
                        ),
                    )


def _report(
    rng: random.Random,
    kind: str,
    unit: str,
    department: str,
    season: dict[str, float],
    progress: float,
    scrubber: Scrubber,
    scrubbed: dict[str, str],
) -> Submission:
    weights = NEAR_MISS_WEIGHTS if kind == "near-miss" else MORAL_DISTRESS_WEIGHTS
    affinity = dict(DEPARTMENT_AFFINITY.get(department, {}))
    for name, factor in season.items():
        affinity[name] = affinity.get(name, 1.0) * factor
    category = _pick(rng, weights, affinity)
    where = rng.random()
    unit_field = (
        unit if where < 0.8 else DEPARTMENT_PREFIX + department if where < 0.91 else NOT_GIVEN
    )
    role = _pick(rng, ROLE_WEIGHTS, ROLE_AFFINITY.get(department, {}))
    fields: dict = {}
    if kind == "near-miss":
        if rng.random() < 0.8:
            fields["stopped_by"] = _pick(rng, STOPPED_BY_WEIGHTS, {})
        if rng.random() < 0.85:
            fields["potential_harm"] = _pick(rng, HARM_WEIGHTS, {})
    else:
        if rng.random() < 0.82:
            peak = 6 + (2.5 * progress if department == RISING_DEPARTMENT else 0)
            fields["intensity"] = min(10, max(0, round(rng.triangular(1, 10, peak))))
        if rng.random() < 0.7:
            fields["distress_type"] = _pick(rng, DISTRESS_TYPE_WEIGHTS, {})
    narrative = pick_narrative(rng, category, scrubber, scrubbed)
    return Submission(
        kind=kind, category=category, unit=unit_field, role=role, narrative=narrative, **fields
    )
