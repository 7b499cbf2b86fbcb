"""One near-miss as a FHIR R4 Bundle: a `collection` holding one AdverseEvent.

The AdverseEvent is `actuality: potential` (it did not reach the patient). R4 requires a
subject, so it points at a contained Patient with no data at all (`display: anonymous`):
no identifier, name, birth date or address of anyone is ever written. The only date is the
report's month (`date: "2026-11"`, FHIR's month precision); the Bundle has no timestamp and
no `meta.lastUpdated`, so not even the export's time is in the file. R4's AdverseEvent has no
free-text element, so the narrative travels in R5's `note` through the standard
cross-version extension, and again in the resource's human-readable `text`. The product's
own codes use `urn:speak-up-safely:` systems; docs/incident-export.md lists every element.
Pure: no database, no Flask.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

from reporting.review.incident_export import Coded, NearMiss

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"

PRODUCT = "urn:speak-up-safely"
REPORT_IDS = f"{PRODUCT}:report"
SYSTEM_KIND = f"{PRODUCT}:kind"
SYSTEM_CATEGORY = f"{PRODUCT}:near-miss-category"
SYSTEM_POTENTIAL_HARM = f"{PRODUCT}:potential-harm"
SYSTEM_STOPPED_BY = f"{PRODUCT}:stopped-by"
SYSTEM_ROLE = f"{PRODUCT}:role"
SYSTEM_UNIT = f"{PRODUCT}:unit"
SYSTEM_DEPARTMENT = f"{PRODUCT}:department"
EXTENSION_STOPPED_BY = f"{PRODUCT}:extension:stopped-by"
EXTENSION_REPORTER_ROLE = f"{PRODUCT}:extension:reporter-role"
# R5's AdverseEvent.note, carried in R4 by the cross-version extension pattern.
EXTENSION_NOTE = "http://hl7.org/fhir/5.0/StructureDefinition/extension-AdverseEvent.note"

HL7_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
HL7_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
HL7_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

# Seriousness of the harm it could have done: AHRQ's severe harm and death are "Serious".
SERIOUSNESS = {
    "none": ("Non-serious", "Non-serious"),
    "mild": ("Non-serious", "Non-serious"),
    "moderate": ("Non-serious", "Non-serious"),
    "severe": ("Serious", "Serious"),
    "death": ("Serious", "Serious"),
}
# The product's derived severity (low, moderate, high) onto R4's required mild/moderate/severe.
SEVERITY = {"low": "mild", "moderate": "moderate", "high": "severe"}

PATIENT_ID = "anonymous-patient"
LOCATION_ID = "location"
# Characters XML 1.0 forbids; the narrative's XHTML must parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def fhir_bundle(event: NearMiss) -> dict[str, Any]:
    """The Bundle, as a JSON-ready dict."""
    resource_id = str(uuid.UUID(hex=event.report_id))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{resource_id}", "resource": adverse_event(event)}],
    }


def adverse_event(event: NearMiss) -> dict[str, Any]:
    contained: list[dict[str, Any]] = [{"resourceType": "Patient", "id": PATIENT_ID}]
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": str(uuid.UUID(hex=event.report_id)),
        "text": {"status": "generated", "div": _summary(event)},
        "contained": contained,
        "extension": _extensions(event),
        "identifier": {"system": REPORT_IDS, "value": event.report_id},
        "actuality": "potential",
        "category": [_concept(SYSTEM_CATEGORY, event.category)],
        "event": {
            "coding": [_coding(SYSTEM_KIND, Coded("near-miss", "Near-miss"))],
            "text": f"Near-miss (did not reach the patient): {event.category.name}",
        },
        "subject": {"reference": f"#{PATIENT_ID}", "display": "anonymous"},
        "date": event.period,
        "outcome": {
            "coding": [{"system": HL7_OUTCOME, "code": "resolved", "display": "Resolved"}],
            "text": "Stopped before it reached the patient: no effect on the patient",
        },
    }
    place = event.unit or event.department
    if place is not None:
        contained.append(_location(event, place))
        resource["location"] = {"reference": f"#{LOCATION_ID}"}
    if event.potential_harm is not None:
        resource["seriousness"] = _seriousness(event.potential_harm)
    if event.severity.code in SEVERITY:
        code = SEVERITY[event.severity.code]
        resource["severity"] = {
            "coding": [{"system": HL7_SEVERITY, "code": code, "display": code.capitalize()}],
            "text": f"Potential severity: {event.severity.name}",
        }
    if not resource["extension"]:
        del resource["extension"]
    return resource


def _extensions(event: NearMiss) -> list[dict[str, Any]]:
    found = []
    if event.stopped_by is not None:
        concept = _concept(SYSTEM_STOPPED_BY, event.stopped_by)
        found.append({"url": EXTENSION_STOPPED_BY, "valueCodeableConcept": concept})
    if event.role is not None:
        concept = _concept(SYSTEM_ROLE, event.role)
        found.append({"url": EXTENSION_REPORTER_ROLE, "valueCodeableConcept": concept})
    if event.narrative:
        found.append({"url": EXTENSION_NOTE, "valueAnnotation": {"text": event.narrative}})
    return found


def _seriousness(harm: Coded) -> dict[str, Any]:
    coding = [_coding(SYSTEM_POTENTIAL_HARM, harm)]
    if harm.code in SERIOUSNESS:
        code, display = SERIOUSNESS[harm.code]
        coding.insert(0, {"system": HL7_SERIOUSNESS, "code": code, "display": display})
    return {"coding": coding, "text": f"Potential harm: {harm.name}"}


def _location(event: NearMiss, place: Coded) -> dict[str, Any]:
    """The unit as a contained Location: a place in the hospital, never a person."""
    types = []
    if event.unit is not None:
        types.append(_concept(SYSTEM_UNIT, event.unit))
    if event.department is not None:
        types.append(_concept(SYSTEM_DEPARTMENT, event.department))
    return {
        "resourceType": "Location",
        "id": LOCATION_ID,
        "name": place.name,
        "description": event.place,
        "type": types,
    }


def _coding(system: str, value: Coded) -> dict[str, str]:
    return {"system": system, "code": value.code, "display": value.name}


def _concept(system: str, value: Coded) -> dict[str, Any]:
    return {"coding": [_coding(system, value)], "text": value.name}


def _summary(event: NearMiss) -> str:
    """The human-readable XHTML the R4 `text` element carries: fields, then the account."""
    rows = [
        ("Near-miss", event.category.name),
        ("Month", event.period),
        ("Unit", event.place or "Not given"),
        ("Reporter's role", event.role.name if event.role else "Not given"),
        ("Stopped by", event.stopped_by.name if event.stopped_by else "Not given"),
        ("Potential harm", event.potential_harm.name if event.potential_harm else "Not given"),
    ]
    parts = [f"<p><b>{_text(label)}</b>: {_text(value)}</p>" for label, value in rows]
    for paragraph in (event.narrative or "").splitlines():
        if paragraph.strip():
            parts.append(f"<p>{_text(paragraph)}</p>")
    return '<div xmlns="http://www.w3.org/1999/xhtml">' + "".join(parts) + "</div>"


def _text(value: str) -> str:
    return html.escape(_NOT_XML.sub("", value), quote=False)
