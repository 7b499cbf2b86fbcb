"""Seeded random hospitals for the outside audit: a taxonomy and two years of coded reports.

``hospital(seed)`` is a function of the seed only (``random.Random(seed)``, nothing global):
three departments, six units under them (at least one each, all at or over the minimum
headcount) and sometimes a seventh unit under it, three near-miss and four moral-distress
categories in use, three roles and four severities, and monthly reports for 2025-01..2026-12.

Volumes are skewed the way a real hospital's are: each unit is busy, middling or quiet, and
inside a unit the categories, roles and severities follow uneven weights of their own, so
most (unit, kind, category, role, severity) cells of a month hold 0, 1 or 2 reports while a
few hold dozens. Some reports name only a department (``department:<d>``) and some no unit
at all (``not-given``); volumes rise in winter and drift from one year to the next.

Categories: the taxonomy always holds the ten default categories of each kind
(``reporting.taxonomy.DEFAULT_CATEGORIES``); ``[[categories]]`` entries can only rename, add
or retire. The seven in use are declared by name and the other thirteen retired, as a
hospital that offers only those would write it. Retired categories stay in every release
(their cells are empty, so hidden), exactly as they would for history.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from reporting.taxonomy import DEFAULT_CATEGORIES, ROLES, SEVERITIES

K = 5
MINIMUM_HEADCOUNT = 5
YEARS = (2025, 2026)
MONTHS = tuple(f"{year}-{month:02d}" for year in YEARS for month in range(1, 13))
DEPARTMENT_POOL = (
    ("critical-care", "Critical care", ("icu", "hdu", "cardiac-icu", "outreach")),
    ("medicine", "Medicine", ("acute-medical-unit", "ward-7b", "stroke-unit", "renal-unit")),
    ("surgery", "Surgery", ("theatres", "surgical-ward-4", "day-surgery", "orthopaedics")),
    ("women-children", "Women and children", ("labour-ward", "nicu", "paediatric-ward")),
    ("emergency", "Emergency medicine", ("emergency-department", "minor-injuries", "ed-obs")),
)
# How busy a unit is: (weight, lowest and highest mean reports a month).
TIERS = ((0.3, 12.0, 30.0), (0.35, 3.0, 9.0), (0.35, 0.4, 2.5))


@dataclass(frozen=True)
class Shape:
    """What kind of hospital the seed draws; ``hospital`` uses the default."""

    small_unit_chance: float = 0.7  # one extra unit under the minimum headcount
    small_units: int = 1
    skew: float = 1.0  # Dirichlet alpha scale for categories, roles, severities (lower: more)
    unplaced: float = 1.0  # scale of department-only and unit-not-given volumes


SHAPES = {
    "default": Shape(),
    # Three units under the minimum, twice the department-only and unit-not-given
    # reports, and one or two dominant roles, severities and categories per unit.
    "small-units": Shape(small_unit_chance=1.0, small_units=3, skew=0.4, unplaced=2.0),
    "skewed": Shape(skew=0.3),
}


@dataclass(frozen=True)
class Hospital:
    seed: int
    taxonomy_text: str
    rows: list[dict]
    months: list[str]
    k: int = K
    departments: list[str] = field(default_factory=list)
    units: list[tuple[str, str, int]] = field(default_factory=list)  # slug, department, heads
    categories: dict[str, list[str]] = field(default_factory=dict)  # kind -> slugs in use
    roles: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    means: dict[str, float] = field(default_factory=dict)  # unit field -> mean a month

    def rows_of(self, month: str) -> list[dict]:
        return [r for r in self.rows if r["period"] == month]

    def describe(self) -> str:
        small = [u for u, _, h in self.units if h < MINIMUM_HEADCOUNT]
        busy = ", ".join(f"{u} {m:.1f}" for u, m in sorted(self.means.items()))
        return (
            f"seed {self.seed}: {len(self.rows)} reports, {len(self.units)} units "
            f"(under the minimum: {', '.join(small) or 'none'}); means a month: {busy}"
        )


def hospital(seed: int, shape: Shape = SHAPES["default"]) -> Hospital:
    rng = random.Random(seed)
    chosen = rng.sample(DEPARTMENT_POOL, 3)
    departments = [slug for slug, _, _ in chosen]
    # Six published units, at least one per department; the other three anywhere.
    placements = departments + [rng.choice(departments) for _ in range(3)]
    pools = {slug: list(units) for slug, _, units in chosen}
    for pool in pools.values():
        rng.shuffle(pool)
    units: list[tuple[str, str, int]] = []
    for d in placements:
        if not pools[d]:
            d = next(other for other in departments if pools[other])
        units.append((pools[d].pop(), d, rng.choice([12, 18, 25, 32, 40, 60, 85, 120])))
    if rng.random() < shape.small_unit_chance:
        for n in range(shape.small_units):
            d = rng.choice(departments)
            slug = f"{d}-small-team" + (f"-{n + 1}" if n else "")
            units.append((slug, d, rng.randint(2, MINIMUM_HEADCOUNT - 1)))

    categories = {
        "near-miss": sorted(rng.sample(sorted(DEFAULT_CATEGORIES["near-miss"]), 3)),
        "moral-distress": sorted(rng.sample(sorted(DEFAULT_CATEGORIES["moral-distress"]), 4)),
    }
    roles = rng.sample(list(ROLES), 3)
    severities = list(SEVERITIES)
    role_weights = _skewed(rng, len(roles), 0.8 * shape.skew)
    severity_weights = _skewed(rng, len(severities), 1.0 * shape.skew)

    means: dict[str, float] = {}
    tier_means = [_tier_mean(rng) for _ in units]
    if tier_means[0] < TIERS[0][1]:  # at least one busy unit ...
        tier_means[0] = rng.uniform(TIERS[0][1], TIERS[0][2])
    if tier_means[5] > TIERS[2][2]:  # ... and at least one quiet one
        tier_means[5] = rng.uniform(TIERS[2][1], TIERS[2][2])
    for (slug, _, headcount), mean in zip(units, tier_means, strict=True):
        means[slug] = mean if headcount >= MINIMUM_HEADCOUNT else rng.uniform(0.3, 1.5)
    for d in departments:
        means[f"department:{d}"] = rng.uniform(0.2, 1.2) * shape.unplaced
    means["not-given"] = rng.uniform(0.3, 1.5) * shape.unplaced

    profiles = {}
    for unit_field in means:
        profiles[unit_field] = {
            "near-miss": rng.uniform(0.3, 0.8),
            "categories": {
                kind: _skewed(rng, len(c), 0.7 * shape.skew) for kind, c in categories.items()
            },
            "roles": _perturbed(rng, role_weights),
            "severities": _perturbed(rng, severity_weights),
            "drift": rng.uniform(0.75, 1.35),  # the second year against the first
        }

    rows: list[dict] = []
    for month in MONTHS:
        year, mon = int(month[:4]), int(month[5:])
        season = 1 + 0.25 * math.cos(2 * math.pi * (mon - 1) / 12)
        for unit_field, mean in means.items():
            profile = profiles[unit_field]
            expected = mean * season * (profile["drift"] if year == YEARS[1] else 1.0)
            for _ in range(_poisson(rng, expected)):
                kind = "near-miss" if rng.random() < profile["near-miss"] else "moral-distress"
                rows.append(
                    {
                        "period": month,
                        "unit": unit_field,
                        "kind": kind,
                        "category": _pick(rng, categories[kind], profile["categories"][kind]),
                        "role": _pick(rng, roles, profile["roles"]),
                        "severity": _pick(rng, severities, profile["severities"]),
                    }
                )
    return Hospital(
        seed=seed,
        taxonomy_text=taxonomy_toml(departments, chosen, units, categories),
        rows=rows,
        months=list(MONTHS),
        departments=departments,
        units=units,
        categories=categories,
        roles=roles,
        severities=severities,
        means=means,
    )


def taxonomy_toml(departments, chosen, units, categories) -> str:
    names = {slug: name for slug, name, _ in chosen}
    lines = [f"minimum_headcount = {MINIMUM_HEADCOUNT}", ""]
    for d in departments:
        lines += ["[[departments]]", f'slug = "{d}"', f'name = "{names[d]}"', ""]
    for slug, department, headcount in units:
        lines += [
            "[[units]]",
            f'slug = "{slug}"',
            f'name = "{slug.replace("-", " ").capitalize()}"',
            f'department = "{department}"',
            f"headcount = {headcount}",
            "",
        ]
    for kind, defaults in DEFAULT_CATEGORIES.items():
        for slug, name in defaults.items():
            lines += ["[[categories]]", f'kind = "{kind}"', f'slug = "{slug}"']
            if slug in categories[kind]:
                lines.append(f'name = "{name}"')
            else:
                lines.append("retired = true")
            lines.append("")
    return "\n".join(lines)


def _tier_mean(rng: random.Random) -> float:
    pick = rng.random()
    for weight, low, high in TIERS:
        if pick < weight:
            return rng.uniform(low, high)
        pick -= weight
    return rng.uniform(TIERS[-1][1], TIERS[-1][2])


def _skewed(rng: random.Random, n: int, alpha: float) -> list[float]:
    """Dirichlet(alpha) weights: alpha under 1 gives one or two dominant values."""
    draws = [rng.gammavariate(alpha, 1.0) + 1e-3 for _ in range(n)]
    total = sum(draws)
    return [d / total for d in draws]


def _perturbed(rng: random.Random, weights: list[float]) -> list[float]:
    moved = [w * rng.uniform(0.5, 1.5) for w in weights]
    total = sum(moved)
    return [w / total for w in moved]


def _pick(rng: random.Random, values: list[str], weights: list[float]) -> str:
    return rng.choices(values, weights=weights)[0]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count
