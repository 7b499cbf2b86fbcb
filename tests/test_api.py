"""The JSON API: filing, follow-up, taxonomy, OpenAPI, and every kind of bad input."""

import json

import pytest
from helpers import narratives_opened_with, report_count, stored_reports

GOOD = {
    "kind": "near-miss",
    "category": "medication",
    "unit": "icu",
    "role": "nursing",
    "stopped_by": "staff",
    "potential_harm": "severe",
    "narrative": "Dr Okafor prescribed 10 mg morphine instead of 1 mg; call 07700 900123.",
}


def post(client, body, **kw):
    return client.post("/api/v1/reports", json=body, **kw)


def test_filed_report_decrypts_with_recovery_key_to_the_deidentified_narrative(
    client, recovery_key_file
):
    response = post(client, GOOD)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"receipt", "period"}
    assert body["period"] == "2026-11"
    (report,) = stored_reports()
    assert report.period == "2026-11" and report.severity == "high" and report.unit == "icu"
    assert b"morphine" not in bytes(report.narrative)
    (narrative,) = narratives_opened_with(recovery_key_file).values()
    assert "Okafor" not in narrative and "07700" not in narrative
    assert "[NAME]" in narrative and "[PHONE]" in narrative and "10 mg morphine" in narrative


def test_moral_distress_with_intensity_and_no_narrative(client):
    response = post(
        client,
        {
            "kind": "moral-distress",
            "category": "unsafe-staffing",
            "intensity": 8,
            "distress_type": "constraint",
            "unit": "department:medicine",
        },
    )
    assert response.status_code == 201
    (report,) = stored_reports()
    assert report.narrative is None and report.severity == "high"
    assert report.unit == "department:medicine" and report.role == "not-given"


def test_ids_are_random_and_nothing_records_a_time(client):
    for _ in range(3):
        assert post(client, GOOD).status_code == 201
    rows = stored_reports()
    assert len({r.id for r in rows}) == 3
    assert all(len(r.id) == 32 for r in rows)
    columns = set(rows[0].__data__)
    assert not columns & {"created", "created_at", "time", "timestamp", "ip", "user_agent"}


def test_follow_up_by_receipt(client):
    receipt = post(client, GOOD).get_json()["receipt"]
    response = client.post("/api/v1/follow-up", json={"receipt": receipt.lower().replace("-", " ")})
    assert response.status_code == 200
    assert response.get_json() == {
        "period": "2026-11",
        "kind": "near-miss",
        "category": "medication",
        "status": "received",
        "messages": [],
    }


@pytest.mark.parametrize("receipt", ["ABCD-2345-EFGH-6789", "nonsense", ""])
def test_unknown_receipt_is_404(client, receipt):
    response = client.post("/api/v1/follow-up", json={"receipt": receipt})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "receipt_not_found"


def test_taxonomy_lists_kinds_units_roles_severities(client):
    body = client.get("/api/v1/taxonomy").get_json()
    kinds = {k["slug"]: k for k in body["kinds"]}
    assert {c["slug"] for c in kinds["near-miss"]["categories"]} >= {"fall", "medication", "vte"}
    departments = {d["slug"]: d for d in body["departments"]}
    assert {u["slug"] for u in departments["critical-care"]["units"]} == {"icu", "hdu"}
    assert [s["slug"] for s in body["severities"]] == ["low", "moderate", "high", "unknown"]


def test_openapi_describes_every_route(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= {"/reports", "/follow-up", "/taxonomy", "/deidentify"}
    schema = doc["components"]["schemas"]["ReportSubmission"]
    assert schema["required"] == ["kind", "category"]
    assert "icu" in schema["properties"]["unit"]["enum"]


def test_deidentify_preview(client):
    response = client.post("/api/v1/deidentify", json={"narrative": "Nurse Kelly on bleep 2345"})
    body = response.get_json()
    assert response.status_code == 200
    assert "Kelly" not in body["narrative"]
    assert {r["kind"] for r in body["replacements"]} >= {"NAME"}


BAD_FIELDS = [
    ({"kind": "incident"}, "kind"),
    ({"category": "not-a-category"}, "category"),
    ({"category": "unsafe-staffing"}, "category"),  # a moral-distress category on a near-miss
    ({"unit": "ward-99"}, "unit"),
    ({"unit": "department:nowhere"}, "unit"),
    ({"role": "surgeon"}, "role"),
    ({"potential_harm": "catastrophic"}, "potential_harm"),
    ({"stopped_by": 3}, "stopped_by"),
    ({"intensity": 5}, "intensity"),  # moral distress only
    ({"distress_type": "dilemma"}, "distress_type"),  # moral distress only
    ({"narrative": "x" * 10_001}, "narrative"),
    ({"narrative": 42}, "narrative"),
    ({"period": "2026-01"}, "period"),
    ({"reporter_name": "me"}, "reporter_name"),
    ({"keep": "Dr Who"}, "keep"),
]


@pytest.mark.parametrize(("change", "field"), BAD_FIELDS)
def test_bad_field_is_named_and_nothing_is_stored(client, change, field):
    response = post(client, {**GOOD, **change})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and field in error["fields"]
    assert report_count() == 0


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"kind": None, "category": None}, {"kind", "category"}),
        ({"intensity": 11, "role": "x", "unit": "y"}, {"intensity", "role", "unit"}),
    ],
)
def test_every_bad_field_is_named_at_once(client, change, fields):
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    if "intensity" in change:
        body.update(kind="moral-distress", category="team-conflict")
        body.pop("potential_harm"), body.pop("stopped_by")
    response = post(client, body)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == fields
    assert report_count() == 0


@pytest.mark.parametrize("intensity", [-1, 11, 5.5, "7", True, None])
def test_intensity_must_be_a_whole_number_in_range(client, intensity):
    body = {"kind": "moral-distress", "category": "team-conflict", "intensity": intensity}
    response = post(client, body)
    if intensity is None:
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert "intensity" in response.get_json()["error"]["fields"]


def test_non_json_is_415(client):
    response = client.post("/api/v1/reports", data="kind=near-miss", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert report_count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "near-miss", "category": "fall", "narrative": "\xff\xfe bad"}',
        b"{not json",
        b"[]",
        b'"string"',
        b"",
    ],
)
def test_malformed_json_is_400(client, raw):
    response = client.post("/api/v1/reports", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert report_count() == 0


def test_oversized_body_is_413(client):
    body = json.dumps({**GOOD, "narrative": "a" * 400_000})
    response = client.post("/api/v1/reports", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert report_count() == 0


def test_a_megabyte_of_whitespace_is_refused_cleanly(client):
    body = json.dumps({**GOOD, "narrative": " " * 1_048_576})
    response = client.post("/api/v1/reports", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert "error" in response.get_json()
    assert report_count() == 0


def test_whitespace_narrative_within_limits_stores_no_narrative(client):
    response = post(client, {**GOOD, "narrative": " \n\t " * 2000})
    assert response.status_code == 201
    (report,) = stored_reports()
    assert report.narrative is None


def test_nul_bytes_and_markup_are_stored_sanitised(client, recovery_key_file):
    narrative = "Pump\x00 alarm <script>alert('x')</script><b>ignored</b> at 5 mL/h"
    assert post(client, {**GOOD, "narrative": narrative}).status_code == 201
    (text,) = narratives_opened_with(recovery_key_file).values()
    assert "\x00" not in text and "<script>" not in text and "<b>" not in text
    assert "Pump alarm" in text and "5 mL/h" in text


def test_error_body_for_unknown_route_and_method(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.get("/api/v1/reports")
    assert response.status_code == 405


def test_filing_is_rate_limited_per_address_without_storing_it(make_app):
    app = make_app(RATELIMIT_FILING="3 per minute")
    client = app.test_client()
    statuses = [
        post(client, GOOD, environ_base={"REMOTE_ADDR": "127.0.0.9"}).status_code for _ in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]
    other = post(client, GOOD, environ_base={"REMOTE_ADDR": "127.0.0.10"})
    assert other.status_code == 201
    limited = post(client, GOOD, environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    assert report_count() == 4


def test_api_responses_are_not_cached(client):
    assert client.get("/api/v1/taxonomy").headers["Cache-Control"] == "no-store"
