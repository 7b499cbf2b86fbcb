"""Domain verbs for reports: validate a submission, file it, look up its status by receipt.

This is the one place where crypto meets the models. The web and API blueprints call these
verbs and never touch report rows themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from peewee import IntegrityError

from reporting.db import database
from reporting.invalid import InvalidFields
from reporting.models import Report, ReviewGroup
from reporting.privacy import crypto, receipts
from reporting.privacy.deid import Scrubber
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


class ReceiptNotFound(Exception):
    """No report answers to this receipt (never filed, mistyped or purged: all look alike)."""


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


@dataclass(frozen=True)
class FiledReport:
    receipt: str
    period: str
    narrative: str


@dataclass(frozen=True)
class ReportStatus:
    period: str
    kind: str
    category: str
    status: str


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
    if from_form and isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors["intensity"] = "must be a whole number from 0 to 10"
        return None
    if not 0 <= raw <= 10:
        errors["intensity"] = "must be from 0 to 10"
        return None
    return raw


def narrative_context(report_id: str) -> bytes:
    """Associated data binding a sealed narrative to its report."""
    return b"report:" + report_id.encode("ascii") + b":narrative"


@dataclass(frozen=True)
class SealingKey:
    """What filing needs to seal for a group: its name, key generation and public key."""

    group: str
    gen: int
    public: bytes


def sealing_key(group: str = "default") -> SealingKey:
    row = ReviewGroup.get_by_id(group)
    return SealingKey(row.name, row.key_gen, row.public_key)


def group_for(kind: str, routes: Mapping[str, str] | None) -> str:
    """The review group that reads a kind of report (config REVIEW_GROUPS)."""
    return (routes or {}).get(kind, "default")


def file_report(
    submission: Submission,
    *,
    period: str,
    pepper: bytes,
    scrubber: Scrubber,
    key: SealingKey | None = None,
    routes: Mapping[str, str] | None = None,
) -> FiledReport:
    """Scrub, seal and store one report; returns the receipt, shown once and never stored.

    The narrative is scrubbed here again whatever the caller did before, so nothing reaches
    the database unscrubbed except what the reporter explicitly chose to keep.
    """
    narrative = ""
    if submission.narrative:
        narrative = scrubber.scrub(submission.narrative, keep=submission.keep).text
    key = key or sealing_key(group_for(submission.kind, routes))
    for _attempt in range(3):
        report_id = secrets.token_hex(16)
        receipt = receipts.new_receipt()
        code = receipts.normalise(receipt)
        digest = receipts.receipt_digest(code, pepper)
        row = _report_row(report_id, period, submission, key, digest, narrative)
        try:
            with database.atomic():
                # Reviewers can reply at once; only the receipt opens what they seal.
                Report.insert_row(
                    **row, reply_key=receipts.reply_public_key(code, report_id, pepper)
                )
        except IntegrityError:  # a 128-bit id or 80-bit receipt collided: draw again
            continue
        return FiledReport(receipt=receipt, period=period, narrative=narrative)
    raise RuntimeError("could not draw a unique report id and receipt")


def store_prepared(
    items: Iterable[tuple[str, Submission]],
    *,
    pepper: bytes,
    routes: Mapping[str, str] | None = None,
    in_inbox: bool = True,
) -> int:
    """Seal and insert many validated, already scrubbed reports at once; returns how many.

    For synthetic and bulk data only (the demo): narratives are stored as given, so the
    caller must have scrubbed them, and no receipt is returned (nobody holds one). Each row
    still gets a random id, a receipt digest and a narrative sealed like `file_report`'s.
    """
    keys: dict[str, SealingKey] = {}
    rows = []
    for period, submission in items:
        group = group_for(submission.kind, routes)
        key = keys.get(group) or keys.setdefault(group, sealing_key(group))
        report_id = secrets.token_hex(16)
        digest = receipts.receipt_digest(receipts.normalise(receipts.new_receipt()), pepper)
        row = _report_row(report_id, period, submission, key, digest, submission.narrative)
        rows.append({**row, "in_inbox": in_inbox})
    with database.atomic():
        for start in range(0, len(rows), 500):
            Report.insert_many(rows[start : start + 500]).execute()
    return len(rows)


def _report_row(
    report_id: str,
    period: str,
    submission: Submission,
    key: SealingKey,
    receipt_digest: str,
    narrative: str | None,
) -> dict[str, Any]:
    """The stored row of one report: coded fields as given, the narrative sealed to the group.

    The one place a report's columns are written, for live filing and for bulk data alike,
    so no path can store a field the other leaves out (or a narrative unsealed).
    """
    return {
        "id": report_id,
        "period": period,
        "kind": submission.kind,
        "category": submission.category,
        "unit": submission.unit,
        "role": submission.role,
        "intensity": submission.intensity,
        "distress_type": submission.distress_type,
        "stopped_by": submission.stopped_by,
        "potential_harm": submission.potential_harm,
        "severity": submission.severity,
        "review_group": key.group,
        "receipt_digest": receipt_digest,
        "narrative": (
            crypto.seal(narrative.encode("utf-8"), key.public, narrative_context(report_id))
            if narrative
            else None
        ),
        "sealed_gen": key.gen,
    }


# A fixed code for unusable input, so every lookup costs one HMAC and one indexed query.
_NO_RECEIPT = "0" * receipts.LENGTH


def status_by_receipt(receipt_text: str, *, pepper: bytes) -> ReportStatus:
    code = receipts.normalise(receipt_text)
    digest = receipts.receipt_digest(code or _NO_RECEIPT, pepper)
    report = Report.by_receipt_digest(digest)
    if code is None or report is None or report.purged:
        raise ReceiptNotFound()
    return ReportStatus(
        period=report.period, kind=report.kind, category=report.category, status=report.status
    )


def open_narrative(report: Report, private_key: bytes) -> str:
    """The de-identified narrative of a report, for reviewers holding the group's key."""
    if report.narrative is None:
        return ""
    return crypto.open_sealed(
        bytes(report.narrative), private_key, narrative_context(report.id)
    ).decode("utf-8")
