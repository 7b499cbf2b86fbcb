"""The reviewer's "Export for the incident system" in a real browser: a near-miss filed by a
reporter with a colleague's name in it, released by a batch, opened by the reviewer and
downloaded as a FHIR R4 Bundle and as an incident import record. Both files carry the
de-identified account as the reviewer reads it, the coded fields, the month and nothing
finer; each download is in the audit log. The section fits a 390 px phone, and a moral
distress report has no export at all.

The near-miss is "Device or health IT" at the neonatal unit and the moral-distress report
"Pressure from cost" at critical care (department only): no other browser test files either,
so the inbox's category and unit filters find exactly these whatever else the session's ward
holds, and no other test's unit filter finds them.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from reporting.review import incident_fhir, incident_import

from .browsing import PageLog, assert_no_axe_violation, horizontal_overflow, screenshot
from .steps import Reporter, Reviewer, file_report, log_in

pytestmark = pytest.mark.e2e

NAME = "Dr Sarah Okafor"
NAME_PARTS = ("Sarah", "Okafor")
NARRATIVE = (
    f"{NAME} set the syringe driver for the baby in cot three to ten times the prescribed "
    "rate. The drug library alarm sounded before the infusion started and the rate was "
    "corrected."
)
CATEGORY = ("device-health-it", "Device or health IT")
CATEGORY_FILTER = "Near-miss: Device or health IT"
UNIT = ("nicu", "Neonatal unit")
UNIT_FILTER = "Women and children: Neonatal unit"
DEPARTMENT = ("women-children", "Women and children")
ROLE = ("allied-health", "Allied health (therapy, pharmacy, science)")
STOPPED_BY = ("system", "A check, alert or system caught it")
HARM = ("severe", "Severe harm")
DISTRESS_FILTERS = {
    "Category": "Moral distress: Pressure from cost",
    "Unit": "Critical care (department only)",
}
HEADING = "Export for the incident system"
FHIR_LINK = "FHIR R4 bundle (JSON)"
RECORD_LINK = "Incident import record (JSON)"
FINER_THAN_A_MONTH = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")


@pytest.fixture(scope="module")
def filed(browser, ward) -> dict[str, str]:
    """The near-miss filed through the form and a moral-distress report through the API,
    both released by a batch: the near-miss's receipt."""
    context = browser.new_context(base_url=ward.origin)
    log = PageLog(ward.origin)
    log.watch(context)
    reporter = Reporter(context.new_page())
    receipt = file_report(
        reporter,
        category=CATEGORY[1],
        unit=UNIT[1],
        narrative=NARRATIVE,
        extra_radios=(ROLE[1], STOPPED_BY[1], HARM[1]),
    )
    distress = {
        "kind": "moral-distress",
        "category": "cost-pressure",
        "unit": "department:critical-care",
        "intensity": 6,
        "narrative": "We were told to discharge early to free beds.",
    }
    answer = context.request.post("/api/v1/reports", data=distress)
    assert answer.status == 201, answer.text()
    context.close()
    assert not log.problems(), log.problems()
    ward.run_batch()
    return {"receipt": receipt}


def open_near_miss(reviewer: Reviewer) -> dict[str, str]:
    """The near-miss's page, found by its category and unit: its id, month and account."""
    rows = reviewer.inbox(Category=CATEGORY_FILTER, Unit=UNIT_FILTER)
    assert len(rows) == 1, rows
    reviewer.open_first()
    page = reviewer.page
    report_id = re.fullmatch(r".*/review/([0-9a-f]{32})", page.url).group(1)
    month = page.locator("dl.summary dt:text('Month') + dd").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{2}", month), month
    return {"id": report_id, "month": month, "narrative": reviewer.narrative().strip()}


def download(page: Any, link: str) -> tuple[str, dict[str, Any]]:
    """Click an export link: the file's suggested name and its JSON."""
    section = page.get_by_role("region", name=HEADING)
    with page.expect_download() as info:
        section.get_by_role("link", name=link, exact=True).click()
    got = info.value
    assert got.failure() is None, got.failure()
    with open(got.path(), encoding="utf-8") as handle:
        body = json.load(handle)
    return got.suggested_filename, body


def assert_nothing_finer_than_the_month(tree: dict[str, Any], report: dict, receipt: str) -> None:
    """No name, no receipt, no day or time of day: the month is the only date."""
    text = json.dumps(tree, ensure_ascii=False)
    for part in NAME_PARTS:
        assert part not in text, f"{part!r} left the hospital in an export"
    assert receipt not in text and receipt.replace("-", "") not in text, "the receipt leaked"
    assert not FINER_THAN_A_MONTH.search(text), FINER_THAN_A_MONTH.search(text)
    assert set(re.findall(r"\b\d{4}-\d{2}\b", text)) == {report["month"]}
    for key in ("timestamp", "lastUpdated", "recordedDate", "detected", "meta", "receipt"):
        assert f'"{key}"' not in text, key


def test_reviewer_downloads_the_near_miss_as_a_fhir_bundle_and_an_incident_record(
    reviewer, filed, browse, ward
):
    page = reviewer.page
    report = open_near_miss(reviewer)
    assert "[NAME]" in report["narrative"], report["narrative"]
    assert not any(part in report["narrative"] for part in NAME_PARTS), report["narrative"]
    section = page.get_by_role("region", name=HEADING)
    assert section.get_by_role("heading", level=2).inner_text() == HEADING
    assert "the month only, nothing about a patient" in section.inner_text()
    links = section.get_by_role("link")
    assert links.all_inner_texts() == [FHIR_LINK, RECORD_LINK]
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        f"/review/{report['id']}/export/fhir",
        f"/review/{report['id']}/export/incident",
    ]
    assert_no_axe_violation(page, "review report with export")
    screenshot(page, "review-report-export")

    name, bundle = download(page, FHIR_LINK)
    assert name == f"near-miss-{report['month']}-{report['id'][:8]}.fhir.json", name
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (entry,) = bundle["entry"]
    event = entry["resource"]
    assert event["resourceType"] == "AdverseEvent" and event["actuality"] == "potential"
    assert event["identifier"] == {"system": incident_fhir.REPORT_IDS, "value": report["id"]}
    assert event["date"] == report["month"]
    assert event["subject"] == {"reference": "#anonymous-patient", "display": "anonymous"}
    assert event["category"] == [
        {
            "coding": [
                {
                    "system": incident_fhir.SYSTEM_CATEGORY,
                    "code": CATEGORY[0],
                    "display": CATEGORY[1],
                }
            ],
            "text": CATEGORY[1],
        }
    ]
    extensions = {e["url"]: e for e in event["extension"]}
    note = extensions[incident_fhir.EXTENSION_NOTE]["valueAnnotation"]["text"]
    assert " ".join(note.split()) == " ".join(report["narrative"].split())
    assert "[NAME]" in note
    stopped = extensions[incident_fhir.EXTENSION_STOPPED_BY]["valueCodeableConcept"]
    assert stopped["coding"][0]["code"] == STOPPED_BY[0]
    role = extensions[incident_fhir.EXTENSION_REPORTER_ROLE]["valueCodeableConcept"]
    assert role["coding"][0]["code"] == ROLE[0]
    seriousness = {c["system"]: c["code"] for c in event["seriousness"]["coding"]}
    assert seriousness[incident_fhir.SYSTEM_POTENTIAL_HARM] == HARM[0]
    assert seriousness[incident_fhir.HL7_SERIOUSNESS] == "Serious"
    assert [c["code"] for c in event["severity"]["coding"]] == ["severe"]
    location = next(c for c in event["contained"] if c["resourceType"] == "Location")
    assert location["name"] == UNIT[1]
    assert [t["coding"][0]["code"] for t in location["type"]] == [UNIT[0], DEPARTMENT[0]]
    assert "[NAME]" in event["text"]["div"]
    assert_nothing_finer_than_the_month(bundle, report, filed["receipt"])

    name, record = download(page, RECORD_LINK)
    assert name == f"near-miss-{report['month']}-{report['id'][:8]}.incident.json", name
    assert record["format"] == incident_import.FORMAT and record["report_id"] == report["id"]
    coded = record["event"]
    assert coded["kind"] == "near-miss" and coded["reached_patient"] is False
    assert (coded["period"], coded["date_precision"]) == (report["month"], "month")
    expected = {
        "category": CATEGORY,
        "unit": UNIT,
        "department": DEPARTMENT,
        "reporter_role": (ROLE[0], ROLE[1]),
        "potential_harm": (HARM[0], None),
        "stopped_by": (STOPPED_BY[0], None),
    }
    for field, (code, words) in expected.items():
        assert coded[field]["code"] == code, (field, coded[field])
        if words is not None:
            assert coded[field]["name"] == words, (field, coded[field])
    assert coded["narrative"] == note, "the two files carry different accounts"
    ahrq = record["ahrq_common_formats"]
    assert ahrq["event_type"] == incident_import.AHRQ_EVENT_TYPES[CATEGORY[0]]
    assert ahrq["potential_harm"] == "Severe harm" and ahrq["event_month"] == report["month"]
    assert ahrq["intercepted_by"] == incident_import.AHRQ_INTERCEPTED_BY[STOPPED_BY[0]]
    assert ahrq["description"] == note and record["lfpse"]["description"] == note
    assert record["lfpse"]["involved"] is None  # a device or IT system: the hospital chooses
    assert "involved: not given in this report" in record["lfpse"]["left_for_the_hospital"]
    assert_nothing_finer_than_the_month(record, report, filed["receipt"])

    # A download's response is not a page event: the headers, by the same session's request.
    for path, media_type in (
        (f"/review/{report['id']}/export/fhir", incident_fhir.MEDIA_TYPE),
        (f"/review/{report['id']}/export/incident", incident_import.MEDIA_TYPE),
    ):
        answer = page.request.get(path)
        assert answer.status == 200, (path, answer.status)
        assert answer.headers["content-type"].startswith(media_type), answer.headers
        assert answer.headers["cache-control"] == "no-store", answer.headers
        assert answer.headers["content-disposition"].startswith("attachment;"), answer.headers

    admin = browse(ward)
    log_in(admin, ward.accounts["admin"])
    admin.goto("/admin/audit?action=report.export")
    rows = [
        r for r in admin.locator("#audit-table tbody tr").all_inner_texts() if report["id"] in r
    ]
    formats = ["incident-import", "fhir-r4"] * 2  # newest first: the requests, the clicks
    assert len(rows) == len(formats), rows
    assert all(shape in row for shape, row in zip(formats, rows, strict=True)), rows
    assert all("reviewer" in row and "Okafor" not in row for row in rows), rows


@pytest.mark.parametrize("js", [False, True], ids=["javascript-off", "javascript-on"])
def test_the_export_buttons_fit_a_390_px_phone(browse, ward, reviewer_login, filed, js):
    page = browse(ward, js=js, width=390, height=844, storage_state=reviewer_login)
    open_near_miss(Reviewer(page))
    assert horizontal_overflow(page) == 0, "the report page scrolls sideways at 390 px"
    section = page.get_by_role("region", name=HEADING)
    buttons = section.get_by_role("link")
    assert buttons.count() == 2
    boxes = [buttons.nth(i).bounding_box() for i in range(2)]
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, boxes
    for button in (buttons.nth(0), buttons.nth(1)):
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth"), "a label overflows"
    first, second = boxes
    apart = (
        first["y"] + first["height"] <= second["y"] or first["x"] + first["width"] <= second["x"]
    )
    assert apart, f"the buttons overlap: {boxes}"
    screenshot(page, f"review-report-export-390-{'js' if js else 'nojs'}")
    if js:  # axe-core runs only with scripts on
        assert_no_axe_violation(page, "review report with export, 390 px")


def test_a_moral_distress_report_has_no_export(reviewer, filed):
    page = reviewer.page
    rows = reviewer.inbox(**DISTRESS_FILTERS)
    assert len(rows) == 1, rows
    reviewer.open_first()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Moral distress")
    assert page.get_by_role("region", name=HEADING).count() == 0
    assert page.get_by_role("link", name=FHIR_LINK).count() == 0
    path = urlsplit(page.url).path
    for shape in ("fhir", "incident"):
        page.log.allow_failure(400, f"{path}/export/{shape}")
        answer = page.goto(f"{path}/export/{shape}")
        assert answer.status == 400
        assert "Only near-miss reports" in page.get_by_role("alert").inner_text()
        assert "attachment" not in answer.headers.get("content-disposition", "")
    assert_no_axe_violation(page, "export refused")
