"""The taxonomy: kinds and categories, departments and units, roles, signposting links.

This module says what a taxonomy is: the fixed vocabularies every report uses (kinds,
roles, severities, default categories) and the validated, immutable `Taxonomy` built from
``instance/taxonomy.toml`` by `reporting.taxonomy_file`. Entries are retired, never
deleted: retired ones stay valid for history but are not offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KINDS: dict[str, str] = {"near-miss": "Near-miss", "moral-distress": "Moral distress"}

DEFAULT_CATEGORIES: dict[str, dict[str, str]] = {
    "near-miss": {
        "blood-product": "Blood or blood product",
        "device-health-it": "Device or health IT",
        "fall": "Fall",
        "infection": "Healthcare-associated infection",
        "medication": "Medication or other substance",
        "perinatal": "Perinatal",
        "pressure-injury": "Pressure injury",
        "surgery-anesthesia": "Surgery or anaesthesia",
        "vte": "Venous thromboembolism",
        "other": "Something else",
    },
    "moral-distress": {
        "unsafe-staffing": "Unsafe staffing",
        "non-beneficial-treatment": "Treatment I believe does not help the patient",
        "end-of-life-care": "End-of-life care",
        "false-hope": "Giving false hope",
        "cost-pressure": "Pressure from cost",
        "team-conflict": "Conflict in the team",
        "lack-of-support": "Lack of support",
        "pressure-to-stay-silent": "Pressure to stay silent",
        "abusive-behaviour": "Abusive behaviour",
        "other": "Something else",
    },
}

ROLES: dict[str, str] = {
    "nursing": "Nursing or midwifery",
    "medical": "Medical",
    "allied-health": "Allied health (therapy, pharmacy, science)",
    "support": "Support or administration",
    "trainee": "Student or trainee",
    "not-given": "Prefer not to say",
}

SEVERITIES: dict[str, str] = {
    "low": "Low",
    "moderate": "Moderate",
    "high": "High",
    "unknown": "Unknown",
}

NOT_GIVEN = "not-given"
DEPARTMENT_PREFIX = "department:"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TaxonomyError(Exception):
    """taxonomy.toml is unreadable or an entry in it is invalid; the message says where."""


@dataclass(frozen=True)
class Category:
    kind: str
    slug: str
    name: str
    retired: bool = False


@dataclass(frozen=True)
class Department:
    slug: str
    name: str
    retired: bool = False


@dataclass(frozen=True)
class Unit:
    slug: str
    name: str
    department: str
    headcount: int | None = None
    retired: bool = False


@dataclass(frozen=True)
class Signpost:
    label: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    categories: dict[tuple[str, str], Category]
    departments: dict[str, Department]
    units: dict[str, Unit]
    signposts: tuple[Signpost, ...] = ()
    minimum_headcount: int = 5

    def category(self, kind: str, slug: str) -> Category | None:
        return self.categories.get((kind, slug))

    def categories_of(self, kind: str, *, include_retired: bool = False) -> list[Category]:
        found = [c for (k, _), c in self.categories.items() if k == kind]
        return [c for c in found if include_retired or not c.retired]

    def units_of(self, department: str, *, include_retired: bool = False) -> list[Unit]:
        found = [u for u in self.units.values() if u.department == department]
        return sorted((u for u in found if include_retired or not u.retired), key=lambda u: u.name)

    def active_departments(self) -> list[Department]:
        return sorted((d for d in self.departments.values() if not d.retired), key=lambda d: d.name)

    def unit_problem(self, value: str, *, allow_retired: bool = False) -> str | None:
        """Why ``value`` is not a valid `unit` field, or None when it is."""
        if value == NOT_GIVEN:
            return None
        if value.startswith(DEPARTMENT_PREFIX):
            dept = self.departments.get(value[len(DEPARTMENT_PREFIX) :])
            if dept is None:
                return f"unknown department {value[len(DEPARTMENT_PREFIX) :]!r}"
            if dept.retired and not allow_retired:
                return f"department {dept.slug!r} is retired"
            return None
        unit = self.units.get(value)
        if unit is None:
            return f"unknown unit {value!r}"
        if unit.retired and not allow_retired:
            return f"unit {unit.slug!r} is retired"
        return None

    def as_public_dict(self) -> dict[str, Any]:
        """The shape `GET /api/v1/taxonomy` returns: active entries, stable slugs."""
        return {
            "kinds": [
                {
                    "slug": kind,
                    "name": name,
                    "categories": [
                        {"slug": c.slug, "name": c.name} for c in self.categories_of(kind)
                    ],
                }
                for kind, name in KINDS.items()
            ],
            "departments": [
                {
                    "slug": d.slug,
                    "name": d.name,
                    "units": [{"slug": u.slug, "name": u.name} for u in self.units_of(d.slug)],
                }
                for d in self.active_departments()
            ],
            "roles": [{"slug": s, "name": n} for s, n in ROLES.items()],
            "severities": [{"slug": s, "name": n} for s, n in SEVERITIES.items()],
        }
