"""Handing one near-miss over to the hospital's incident system, so it is not typed twice.

A reviewer exports what they already read on the report page: the coded fields, in codes
and in words, and the narrative as it was stored (de-identified at filing). Nothing else
goes: no reply, note or status, no time finer than the report's month, nothing about a
patient, and nothing about the reporter beyond the role group and unit they chose to give.
Moral-distress reports never leave (they are not incidents). The shapes built from a
`NearMiss` are in `incident_fhir` (a FHIR R4 Bundle) and `incident_import` (a plain JSON
record mapped to AHRQ Common Formats and NHS LFPSE); docs/incident-export.md has the
mapping. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting import reports
from reporting.models import Report
from reporting.privacy.keys import GroupKeys, NoAccess
from reporting.review import labels, triage
from reporting.taxonomy import DEPARTMENT_PREFIX, KINDS, NOT_GIVEN, ROLES, SEVERITIES, Taxonomy

NEAR_MISS = "near-miss"


class NotANearMiss(Exception):
    """Only near-miss reports go to the incident system; the message says so in words."""


@dataclass(frozen=True)
class Coded:
    """One coded field: the stable slug and the words a reviewer reads for it."""

    code: str
    name: str


@dataclass(frozen=True)
class NearMiss:
    """Everything an export may carry, and nothing more."""

    report_id: str
    period: str  # YYYY-MM: the only time the product keeps
    category: Coded
    severity: Coded
    unit: Coded | None = None
    department: Coded | None = None
    role: Coded | None = None
    stopped_by: Coded | None = None
    potential_harm: Coded | None = None
    narrative: str | None = None

    @property
    def place(self) -> str | None:
        """Where, in words: "unit, department", a department only, or None."""
        if self.unit is not None and self.department is not None:
            return f"{self.unit.name}, {self.department.name}"
        if self.unit is not None:
            return self.unit.name
        if self.department is not None:
            return f"{self.department.name} (department only)"
        return None


def near_miss_of(report: Report, narrative: str | None, taxonomy: Taxonomy) -> NearMiss:
    """The export's content from a report row (or anything with its attributes).

    Raises NotANearMiss for any other kind of report.
    """
    if report.kind != NEAR_MISS:
        kind = KINDS.get(report.kind, report.kind).lower()
        raise NotANearMiss(
            f"Only near-miss reports can be exported to the incident system. This is a {kind} "
            "report: it is not an incident, and it stays in this workspace."
        )
    category = taxonomy.category(report.kind, report.category)
    unit, department = _place(report.unit, taxonomy)
    return NearMiss(
        report_id=report.id,
        period=report.period,
        category=Coded(report.category, category.name if category else report.category),
        severity=Coded(report.severity, SEVERITIES.get(report.severity, report.severity)),
        unit=unit,
        department=department,
        role=None if report.role == NOT_GIVEN else Coded(report.role, ROLES[report.role]),
        stopped_by=_coded(report.stopped_by, labels.STOPPED_BY),
        potential_harm=_coded(report.potential_harm, labels.POTENTIAL_HARM),
        narrative=narrative or None,
    )


def _coded(value: str | None, names: dict[str, str]) -> Coded | None:
    return None if value is None else Coded(value, names.get(value, value))


def _place(value: str, taxonomy: Taxonomy) -> tuple[Coded | None, Coded | None]:
    """(unit, department) of the `unit` field: both, the department only, or neither."""
    if value == NOT_GIVEN:
        return None, None
    if value.startswith(DEPARTMENT_PREFIX):
        return None, _department(value[len(DEPARTMENT_PREFIX) :], taxonomy)
    unit = taxonomy.units.get(value)
    if unit is None:  # not in this taxonomy any more: the slug is all there is
        return Coded(value, value), None
    return Coded(unit.slug, unit.name), _department(unit.department, taxonomy)


def _department(slug: str, taxonomy: Taxonomy) -> Coded:
    found = taxonomy.departments.get(slug)
    return Coded(slug, found.name if found else slug)


def load_near_miss(
    report_id: str, reviewer: triage.Reviewer, group_keys: GroupKeys, taxonomy: Taxonomy
) -> NearMiss:
    """The near-miss a reviewer may read, with its narrative opened by the group's key.

    A report outside their reach is not found (as on the report page); a moral-distress
    report raises NotANearMiss before its narrative is opened.
    """
    report = triage.report_for(report_id, reviewer)
    near_miss_of(report, None, taxonomy)  # refuse before decrypting anything
    try:
        private = group_keys.for_item(report.review_group_id, report.sealed_gen)
    except NoAccess as exc:  # a key generation this reviewer was never granted
        raise triage.ReportNotFound() from exc
    narrative = reports.open_narrative(report, private) if report.narrative is not None else None
    return near_miss_of(report, narrative, taxonomy)
