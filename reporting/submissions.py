"""What a report may hold, and the checks a submission passes before anything is stored.

One definition of the fields and their allowed values, shared by the web form, the JSON
API, imports and the demo, so each accepts exactly the same reports and refuses the same
ones with the same field-by-field messages. Pure: no database, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reporting.invalid import InvalidFields
from reporting.privacy.sanitise import clean_free_text
from reporting.taxonomy import NOT_GIVEN, ROLES, Taxonomy

DISTRESS_TYPES = ("constraint", "uncertainty", "dilemma", "conflict")
STOPPED_BY = ("staff", "system", "patient-family", "chance")
POTENTIAL_HARM = ("none", "mild", "moderate", "severe", "death", "unknown")
KIND_ONLY_FIELDS = {
    "intensity": "moral-distress",
    "distress_type": "moral-distress",
    "stopped_by": "near-miss",
    "potential_harm": "near-miss",
}
SUBMISSION_FIELDS = (
    "kind",
    "category",
    "unit",
    "role",
    "intensity",
    "distress_type",
    "stopped_by",
    "potential_harm",
    "narrative",
)


class InvalidSubmission(InvalidFields):
    """A submission has invalid fields; ``fields`` maps each field to what is wrong with it."""


@dataclass(frozen=True)
class Submission:
    kind: str
    category: str
    unit: str = NOT_GIVEN
    role: str = NOT_GIVEN
    intensity: int | None = None
    distress_type: str | None = None
    stopped_by: str | None = None
    potential_harm: str | None = None
    narrative: str = ""
    keep: tuple[str, ...] = ()

    @property
    def severity(self) -> str:
        return severity_of(self.kind, self.intensity, self.potential_harm)


def severity_of(kind: str, intensity: int | None, potential_harm: str | None) -> str:
    """The derived severity dimension of the brief."""
    if kind == "moral-distress" and intensity is not None:
        return "low" if intensity <= 3 else "moderate" if intensity <= 6 else "high"
    if kind == "near-miss" and potential_harm is not None:
        return {
            "none": "low",
            "mild": "low",
            "moderate": "moderate",
            "severe": "high",
            "death": "high",
        }.get(potential_harm, "unknown")
    return "unknown"


def parse_submission(
    data: Mapping[str, Any],
    taxonomy: Taxonomy,
    *,
    max_narrative: int,
    from_form: bool = False,
    allow_retired: bool = False,
) -> Submission:
    """Validate every field at once, so the reporter or client sees all problems together.

    ``from_form`` accepts the strings an HTML form sends (``""`` for not chosen, digits for
    numbers); JSON clients must send proper types. ``allow_retired`` accepts retired units
    and categories, which stay valid for history (imports) but not for live filing.
    """
    errors: dict[str, str] = {}
    value = dict(data)

    def text(name: str, *, required: bool = False) -> str | None:
        raw = value.get(name)
        if raw is None or (from_form and raw == ""):
            if required:
                errors[name] = "is required"
            return None
        if not isinstance(raw, str):
            errors[name] = "must be a string"
            return None
        return raw.strip()

    def choice(name: str, allowed: Iterable[str]) -> str | None:
        raw = text(name)
        allowed = tuple(allowed)
        if raw is not None and raw not in allowed:
            errors[name] = f"must be one of: {', '.join(allowed)}"
            return None
        return raw

    kind = text("kind", required=True)
    if kind is not None and kind not in ("near-miss", "moral-distress"):
        errors["kind"] = "must be one of: near-miss, moral-distress"
        kind = None

    category = text("category", required=True)
    if category is not None and kind is not None:
        found = taxonomy.category(kind, category)
        if found is None:
            other = "moral-distress" if kind == "near-miss" else "near-miss"
            if taxonomy.category(other, category) is not None:
                errors["category"] = f"{category!r} is a {other} category, not a {kind} one"
            else:
                slugs = ", ".join(c.slug for c in taxonomy.categories_of(kind))
                errors["category"] = f"unknown {kind} category {category!r} (one of: {slugs})"
        elif found.retired and not allow_retired:
            errors["category"] = f"category {category!r} is retired"

    unit = text("unit") or NOT_GIVEN
    if "unit" not in errors:
        problem = taxonomy.unit_problem(unit, allow_retired=allow_retired)
        if problem:
            errors["unit"] = problem

    role = choice("role", ROLES) or NOT_GIVEN
    intensity = _intensity(value.get("intensity"), errors, from_form)
    distress_type = choice("distress_type", DISTRESS_TYPES)
    stopped_by = choice("stopped_by", STOPPED_BY)
    potential_harm = choice("potential_harm", POTENTIAL_HARM)

    given = {
        "intensity": intensity,
        "distress_type": distress_type,
        "stopped_by": stopped_by,
        "potential_harm": potential_harm,
    }
    if kind is not None:
        for name, only_for in KIND_ONLY_FIELDS.items():
            if given[name] is not None and only_for != kind:
                errors[name] = f"only applies to {only_for} reports"

    narrative = value.get("narrative")
    if narrative is None:
        narrative = ""
    elif not isinstance(narrative, str):
        errors["narrative"] = "must be a string"
        narrative = ""
    else:
        cleaned = clean_narrative(narrative, max_narrative=max_narrative)
        if cleaned is None:
            errors["narrative"] = f"must be at most {max_narrative:,} characters"
            narrative = ""
        else:
            narrative = cleaned

    keep = value.get("keep", ())
    if not isinstance(keep, list | tuple) or not all(isinstance(k, str) for k in keep):
        errors["keep"] = "must be a list of strings"
        keep = ()
    elif len(keep) > 50:
        errors["keep"] = "must hold at most 50 entries"

    if errors:
        raise InvalidSubmission(errors)
    return Submission(
        kind=kind,
        category=category,
        unit=unit,
        role=role,
        intensity=intensity,
        distress_type=distress_type,
        stopped_by=stopped_by,
        potential_harm=potential_harm,
        narrative=narrative,
        keep=tuple(k for k in keep if k.strip()),
    )


def clean_narrative(text: str, *, max_narrative: int) -> str | None:
    """The narrative as it will be scrubbed and stored, or None when it is too long.

    The length is checked after markup and runs of blank space are removed, so pasted
    formatting does not count against the reporter; a huge body is refused before cleaning.
    """
    if len(text) > 20 * max_narrative:
        return None
    cleaned = clean_free_text(text)
    return cleaned if len(cleaned) <= max_narrative else None


def _intensity(raw: Any, errors: dict[str, str], from_form: bool) -> int | None:
    if raw is None or (from_form and raw == ""):
        return None
    if from_form and isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors["intensity"] = "must be a whole number from 0 to 10"
        return None
    if not 0 <= raw <= 10:
        errors["intensity"] = "must be from 0 to 10"
        return None
    return raw
