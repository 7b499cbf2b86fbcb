"""The incident-system mapping of one near-miss, without a database: every coded field maps,
nothing identifies anyone, the month is the finest time, moral distress never leaves, and the
Bundle keeps R4's rules (checked by hand and by the fhir.resources models)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle

from reporting.ops.example_taxonomy import EXAMPLE_TAXONOMY
from reporting.review import incident_fhir, incident_import
from reporting.review.incident_export import NotANearMiss, near_miss_of
from reporting.submissions import POTENTIAL_HARM, STOPPED_BY, severity_of
from reporting.taxonomy import DEFAULT_CATEGORIES, NOT_GIVEN, ROLES
from reporting.taxonomy_file import parse_taxonomy

TAXONOMY = parse_taxonomy(EXAMPLE_TAXONOMY)
REPORT_ID = "c0ffee00" * 4
RECEIPT_DIGEST = "d1" * 32
NARRATIVE = "The pump read 10 <b>ml</b> & not 1 ml.\n\n[NAME] on [BED] stopped it."


def report(**fields) -> SimpleNamespace:
    """A report row as the export sees it, with the columns that must never leave."""
    values = {
        "id": REPORT_ID,
        "kind": "near-miss",
        "period": "2026-11",
        "category": "medication",
        "unit": "icu",
        "role": "nursing",
        "intensity": None,
        "distress_type": None,
        "stopped_by": "system",
        "potential_harm": "severe",
        "review_group_id": "patient-safety",
        "receipt_digest": RECEIPT_DIGEST,
        "status": "received",
        "assignee": "f00d" * 8,
    }
    values.update(fields)
    values.setdefault("severity", severity_of("near-miss", None, values["potential_harm"]))
    return SimpleNamespace(**values)


def both(row=None, narrative: str | None = NARRATIVE):
    event = near_miss_of(row or report(), narrative, TAXONOMY)
    return incident_fhir.fhir_bundle(event), incident_import.incident_record(event)


def the_event(bundle: dict) -> dict:
    (entry,) = bundle["entry"]
    return entry["resource"]


def walk(value, path=()):
    """Every (path, key, value) in a JSON tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, path)


# Every coded field maps ----------------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(DEFAULT_CATEGORIES["near-miss"]))
def test_every_near_miss_category_maps_to_fhir_ahrq_and_lfpse(category):
    bundle, record = both(report(category=category))
    event = the_event(bundle)
    name = TAXONOMY.category("near-miss", category).name
    assert event["category"] == [
        {
            "coding": [
                {"system": incident_fhir.SYSTEM_CATEGORY, "code": category, "display": name}
            ],
            "text": name,
        }
    ]
    assert event["event"]["text"].endswith(name)
    assert record["event"]["category"] == {"code": category, "name": name}
    assert record["ahrq_common_formats"]["event_type"] == incident_import.AHRQ_EVENT_TYPES[category]
    assert category in incident_import.LFPSE_INVOLVED
    involved = record["lfpse"]["involved"]
    left = record["lfpse"]["left_for_the_hospital"]
    assert (involved is None) == ("involved: not given in this report" in left)


@pytest.mark.parametrize("harm", POTENTIAL_HARM)
def test_potential_harm_maps_to_seriousness_and_severity(harm):
    bundle, record = both(report(potential_harm=harm))
    event = the_event(bundle)
    codings = {c["system"]: c["code"] for c in event["seriousness"]["coding"]}
    assert codings[incident_fhir.SYSTEM_POTENTIAL_HARM] == harm
    expected = {"severe": "Serious", "death": "Serious", "unknown": None}.get(harm, "Non-serious")
    assert codings.get(incident_fhir.HL7_SERIOUSNESS) == expected
    expected_severity = {"none": "mild", "mild": "mild", "moderate": "moderate"}.get(
        harm, None if harm == "unknown" else "severe"
    )
    if expected_severity is None:
        assert "severity" not in event
    else:
        assert event["severity"]["coding"] == [
            {
                "system": incident_fhir.HL7_SEVERITY,
                "code": expected_severity,
                "display": expected_severity.capitalize(),
            }
        ]
    assert record["event"]["potential_harm"]["code"] == harm
    assert record["ahrq_common_formats"]["potential_harm"] == incident_import.AHRQ_HARM_SCALE[harm]
    assert record["lfpse"]["physical_harm"] == "No physical harm"  # it did not reach the patient


@pytest.mark.parametrize("stopped_by", STOPPED_BY)
def test_what_stopped_it_maps(stopped_by):
    bundle, record = both(report(stopped_by=stopped_by))
    (extension,) = [
        e for e in the_event(bundle)["extension"] if e["url"] == incident_fhir.EXTENSION_STOPPED_BY
    ]
    assert extension["valueCodeableConcept"]["coding"][0]["code"] == stopped_by
    ahrq = record["ahrq_common_formats"]["intercepted_by"]
    assert ahrq == incident_import.AHRQ_INTERCEPTED_BY[stopped_by]
    assert record["lfpse"]["how_it_was_stopped"]


@pytest.mark.parametrize("role", sorted(set(ROLES) - {NOT_GIVEN}))
def test_the_reporters_role_group_maps(role):
    bundle, record = both(report(role=role))
    (extension,) = [
        e
        for e in the_event(bundle)["extension"]
        if e["url"] == incident_fhir.EXTENSION_REPORTER_ROLE
    ]
    assert extension["valueCodeableConcept"]["coding"][0]["code"] == role
    ahrq = record["ahrq_common_formats"]["reporter_profession"]
    assert ahrq == incident_import.AHRQ_PROFESSIONS[role]
    assert record["lfpse"]["reporter_role"] == ROLES[role]


def test_unit_department_and_narrative_are_carried():
    bundle, record = both()
    event = the_event(bundle)
    location = next(c for c in event["contained"] if c["resourceType"] == "Location")
    assert event["location"] == {"reference": "#location"}
    assert location["name"] == "Intensive care unit"
    assert [t["coding"][0]["code"] for t in location["type"]] == ["icu", "critical-care"]
    (note,) = [e for e in event["extension"] if e["url"] == incident_fhir.EXTENSION_NOTE]
    assert note["valueAnnotation"] == {"text": NARRATIVE}  # as stored, never rewritten
    assert record["event"]["narrative"] == NARRATIVE
    assert record["ahrq_common_formats"]["description"] == NARRATIVE
    assert record["lfpse"]["description"] == NARRATIVE
    assert record["event"]["unit"] == {"code": "icu", "name": "Intensive care unit"}
    assert record["event"]["department"] == {"code": "critical-care", "name": "Critical care"}


def test_a_department_only_report_names_the_department():
    bundle, record = both(report(unit="department:medicine"))
    location = next(c for c in the_event(bundle)["contained"] if c["resourceType"] == "Location")
    assert location["name"] == "Medicine"
    assert location["description"] == "Medicine (department only)"
    assert record["event"]["unit"] is None
    assert record["ahrq_common_formats"]["location"] == "Medicine (department only)"


def test_a_report_with_only_the_required_fields_still_exports_and_says_what_is_missing():
    row = report(unit=NOT_GIVEN, role=NOT_GIVEN, stopped_by=None, potential_harm=None)
    bundle, record = both(row, narrative=None)
    event = the_event(bundle)
    for absent in ("extension", "location", "seriousness", "severity"):
        assert absent not in event
    assert event["contained"] == [{"resourceType": "Patient", "id": "anonymous-patient"}]
    assert record["event"]["narrative"] is None
    left = record["ahrq_common_formats"]["left_for_the_hospital"]
    for field in ("location", "intercepted_by", "potential_harm", "description"):
        assert f"{field}: not given in this report" in left
    assert set(incident_import.AHRQ_LEFT) <= set(left)
    assert set(incident_import.LFPSE_LEFT) <= set(record["lfpse"]["left_for_the_hospital"])
    _check_r4(bundle)


# Nothing identifies anyone, no finer time than the month -----------------------------------


PERSON_ELEMENTS = {"birthDate", "telecom", "address", "gender", "photo", "qualification", "patient"}


def test_no_patient_or_practitioner_is_identified_and_no_internal_column_leaves():
    bundle, record = both()
    for tree in (bundle, record):
        text = json.dumps(tree)
        for secret in (RECEIPT_DIGEST, "patient-safety", "f00d" * 8, "received"):
            assert secret not in text
        for _path, key, value in walk(tree):
            assert key not in PERSON_ELEMENTS
            if key == "resourceType":
                assert value in {"Bundle", "AdverseEvent", "Patient", "Location"}
    named = [value for _path, key, value in walk(bundle) if key == "name"]
    assert named == ["Intensive care unit"]  # the contained Location's, nobody's
    identifiers = [(path, value) for path, key, value in walk(bundle) if key == "identifier"]
    assert identifiers == [
        (("entry", "resource"), {"system": incident_fhir.REPORT_IDS, "value": REPORT_ID})
    ]
    event = the_event(bundle)
    assert event["subject"] == {"reference": "#anonymous-patient", "display": "anonymous"}
    patient = next(c for c in event["contained"] if c["resourceType"] == "Patient")
    assert patient == {"resourceType": "Patient", "id": "anonymous-patient"}
    assert "recorder" not in event and "contributor" not in event


def test_the_only_time_is_the_reports_month():
    bundle, record = both()
    event = the_event(bundle)
    assert event["date"] == "2026-11" and record["event"]["period"] == "2026-11"
    assert record["event"]["date_precision"] == "month"
    for tree in (bundle, record):
        keys = {key for _path, key, _value in walk(tree)}
        assert not keys & {"timestamp", "lastUpdated", "recordedDate", "detected", "meta"}
        text = json.dumps(tree)
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}", text)
        dates = set(re.findall(r"\b\d{4}-\d{2}\b", text))
        assert dates == {"2026-11"}


def test_a_moral_distress_report_is_refused_in_words():
    row = report(
        kind="moral-distress",
        category="cost-pressure",
        stopped_by=None,
        potential_harm=None,
        intensity=8,
        severity="high",
    )
    with pytest.raises(NotANearMiss) as refused:
        near_miss_of(row, "A story that stays here.", TAXONOMY)
    assert "Only near-miss reports" in str(refused.value)
    assert "moral distress report" in str(refused.value)


# The Bundle keeps R4's rules ------------------------------------------------------------------

R4_DATETIME = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
    r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)"
    r"((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$"
)
R4_ID = re.compile(r"^[A-Za-z0-9\-\.]{1,64}$")
SEVERITY_CODES = {"mild", "moderate", "severe"}  # a required binding in R4
OUTCOME_CODES = {"resolved", "recovering", "ongoing", "resolvedWithSequelae", "fatal", "unknown"}


def _check_r4(bundle: dict) -> None:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (entry,) = bundle["entry"]
    event = entry["resource"]
    assert event["resourceType"] == "AdverseEvent"
    assert entry["fullUrl"] == f"urn:uuid:{event['id']}" and R4_ID.match(event["id"])
    assert event["actuality"] == "potential"  # required, 1..1
    contained = {c["id"]: c for c in event.get("contained", [])}
    subject = event["subject"]["reference"]  # required, 1..1
    assert subject.startswith("#") and contained[subject[1:]]["resourceType"] == "Patient"
    referenced = {v[1:] for _p, k, v in walk(event) if k == "reference" and v.startswith("#")}
    assert referenced == set(contained)  # dom-3: every contained resource is referenced
    for resource in contained.values():  # dom-2, dom-4: no nesting, no meta in contained
        assert "contained" not in resource and "meta" not in resource and "text" not in resource
    assert R4_DATETIME.match(event["date"])
    assert isinstance(event["category"], list) and isinstance(event["identifier"], dict)
    for name, codes in (("severity", SEVERITY_CODES), ("outcome", OUTCOME_CODES)):
        if name in event:
            assert {c["code"] for c in event[name]["coding"]} <= codes
    for extension in event.get("extension", []):  # ext-1: a value, no nested extension
        values = [k for k in extension if k.startswith("value")]
        assert len(values) == 1 and "extension" not in extension
    div = ET.fromstring(event["text"]["div"])
    assert div.tag == "{http://www.w3.org/1999/xhtml}div" and event["text"]["status"] in {
        "generated",
        "extensions",
        "additional",
        "empty",
    }
    # An independent reading: fhir.resources' models (R4B, whose AdverseEvent, Bundle, Patient
    # and Location are R4's) refuse unknown elements, wrong cardinalities and wrong types.
    Bundle.model_validate(bundle)
    AdverseEvent.model_validate(event)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"unit": "department:surgery", "role": "trainee", "potential_harm": "unknown"},
        {"unit": "gone-unit", "stopped_by": "chance", "potential_harm": "none"},
    ],
)
def test_the_bundle_is_a_valid_r4_collection(fields):
    bundle, _record = both(report(**fields))
    _check_r4(bundle)


def test_the_readable_text_escapes_the_narrative_and_keeps_it_as_xhtml():
    bundle, _record = both(narrative="A <script>x</script> & \x07bell\n\nsecond")
    div = the_event(bundle)["text"]["div"]
    assert "<script>" not in div and "&lt;script&gt;" in div
    paragraphs = [p.text for p in ET.fromstring(div)]
    assert paragraphs[-2:] == ["A <script>x</script> & bell", "second"]
