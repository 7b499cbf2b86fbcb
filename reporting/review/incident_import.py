"""One near-miss as a plain JSON record for an incident system's import, with two mappings.

`event` holds the product's own fields (codes and words); `ahrq_common_formats` and `lfpse`
put them under the concepts of the AHRQ Common Formats (hospital near-miss fields) and NHS
England's Learn from Patient Safety Events service. Each mapping ends with the target
fields this product cannot fill (a patient, the day and time, event-specific details) in
`left_for_the_hospital`: it never knows them, by design. The target labels are the concepts
in words, to be matched to the option lists of the form version the hospital's system uses;
docs/incident-export.md has the tables. Pure: no database, no Flask.
"""

from __future__ import annotations

from typing import Any

from reporting.review.incident_export import Coded, NearMiss

FORMAT = "speak-up-safely/incident-import"
FORMAT_VERSION = 1
MEDIA_TYPE = "application/json"

# The product's near-miss categories are the AHRQ Common Formats event types.
AHRQ_EVENT_TYPES = {
    "blood-product": "Blood or blood product",
    "device-health-it": "Device or medical/surgical supply, including health IT",
    "fall": "Fall",
    "infection": "Healthcare-associated infection",
    "medication": "Medication or other substance",
    "perinatal": "Perinatal",
    "pressure-injury": "Pressure ulcer or injury",
    "surgery-anesthesia": "Surgery or anesthesia (includes invasive procedure)",
    "vte": "Venous thromboembolism",
    "other": "Other",
}
AHRQ_INTERCEPTED_BY = {
    "staff": "Staff (a provider or other member of staff)",
    "system": "A system or technology check (alert, barcode, double check)",
    "patient-family": "The patient or their family",
    "chance": "Chance",
}
# The AHRQ Harm Scale's levels, here as the harm it could have done.
AHRQ_HARM_SCALE = {
    "none": "No harm",
    "mild": "Mild harm",
    "moderate": "Moderate harm",
    "severe": "Severe harm",
    "death": "Death",
    "unknown": "Unknown",
}
AHRQ_PROFESSIONS = {
    "nursing": "Nurse or midwife",
    "medical": "Physician",
    "allied-health": "Allied health professional (therapist, pharmacist, technologist)",
    "support": "Support or administrative staff",
    "trainee": "Student or trainee",
}
AHRQ_LEFT = (
    "event date and time of day (only the month is known)",
    "patient information (age, sex, diagnosis): no patient is identified",
    "event-specific details (the medicine, device, product or procedure), from the description",
    "contributing factors and preventability",
    "reporter contact details: the report is anonymous",
)
# LFPSE's "what was involved" options in words; None: the hospital chooses.
LFPSE_INVOLVED = {
    "blood-product": "Blood or blood products",
    "device-health-it": None,  # a medical device or an IT system: the description says which
    "fall": "Patient fall",
    "infection": "Healthcare-associated infection",
    "medication": "Medication",
    "perinatal": "Maternity or perinatal care",
    "pressure-injury": "Pressure ulcer or pressure damage",
    "surgery-anesthesia": "Clinical procedure (surgery or anaesthesia)",
    "vte": "Venous thromboembolism",
    "other": None,
}
LFPSE_LEFT = (
    "date of the incident (only the month is known)",
    "patient details (age, sex, ethnicity, NHS number): no patient is identified",
    "psychological harm",
    "location and specialty codes of the organisation, from the unit and department",
    "the recorder (the reviewer doing the import, not the anonymous reporter)",
)


def incident_record(event: NearMiss) -> dict[str, Any]:
    """The import record, as a JSON-ready dict."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "report_id": event.report_id,
        "event": {
            "kind": "near-miss",
            "reached_patient": False,
            "period": event.period,
            "date_precision": "month",
            "category": _plain(event.category),
            "unit": _plain(event.unit),
            "department": _plain(event.department),
            "reporter_role": _plain(event.role),
            "stopped_by": _plain(event.stopped_by),
            "potential_harm": _plain(event.potential_harm),
            "severity": _plain(event.severity),
            "narrative": event.narrative,
        },
        "ahrq_common_formats": ahrq(event),
        "lfpse": lfpse(event),
    }


def ahrq(event: NearMiss) -> dict[str, Any]:
    """AHRQ Common Formats, hospital version: the near-miss fields this report fills."""
    fields = {
        "report_type": "Near miss",
        "event_type": AHRQ_EVENT_TYPES.get(event.category.code),
        "event_month": event.period,
        "location": event.place,
        "intercepted_by": _word(event.stopped_by, AHRQ_INTERCEPTED_BY),
        "potential_harm": _word(event.potential_harm, AHRQ_HARM_SCALE),
        "reporter_profession": _word(event.role, AHRQ_PROFESSIONS),
        "description": event.narrative,
    }
    return {**fields, "left_for_the_hospital": _left(fields, AHRQ_LEFT)}


def lfpse(event: NearMiss) -> dict[str, Any]:
    """NHS LFPSE: a patient safety incident that did not reach the patient."""
    harm = event.potential_harm
    fields = {
        "event_type": "Patient safety incident",
        "reached_patient": "No",
        "physical_harm": "No physical harm",
        "involved": LFPSE_INVOLVED.get(event.category.code),
        "incident_month": event.period,
        "location": event.place,
        "reporter_role": event.role.name if event.role else None,
        "how_it_was_stopped": event.stopped_by.name if event.stopped_by else None,
        "potential_harm_note": f"Potential harm: {harm.name}" if harm else None,
        "description": event.narrative,
    }
    return {**fields, "left_for_the_hospital": _left(fields, LFPSE_LEFT)}


def _left(fields: dict[str, Any], always: tuple[str, ...]) -> list[str]:
    """The fields the hospital fills: those this report left empty, then those it never can."""
    empty = [f"{name}: not given in this report" for name, value in fields.items() if value is None]
    return empty + list(always)


def _plain(value: Coded | None) -> dict[str, str] | None:
    return None if value is None else {"code": value.code, "name": value.name}


def _word(value: Coded | None, words: dict[str, str]) -> str | None:
    return None if value is None else words.get(value.code)
