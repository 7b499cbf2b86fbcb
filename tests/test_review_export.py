"""Acceptance: a reviewer downloads one near-miss for the incident system, on SQLite and
PostgreSQL. The download is audited, an attachment and never cached; it carries the narrative
as stored (scrubbed at filing); moral distress is refused; leadership gets 403 and a reviewer
of another group 404, as for a report that does not exist."""

from __future__ import annotations

import json

import pytest
from review_support import add_staff, db, file_report, log_in, next_batch_time, run_batch

from reporting.db import open_database
from reporting.models import AuditEntry, Report
from reporting.ops.instance import initialise

GROUPS = {"patient-safety": ["near-miss"], "ethics": ["moral-distress"]}
NAMED = "Nurse Sarah Jones nearly gave 10 ml instead of 1 ml; the pump alarm stopped it."
EXPORTS = {
    "fhir": ("application/fhir+json", "fhir-r4", ".fhir.json"),
    "incident": ("application/json", "incident-import", ".incident.json"),
}


@pytest.fixture
def filed(app, client, clock, tmp_path, recovery_key_file):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    add_staff(app, tmp_path, "lena", "leadership")
    run_batch(app)
    file_report(
        client, narrative=NAMED, role="nursing", stopped_by="system", potential_harm="severe"
    )
    file_report(client, kind="moral-distress", category="cost-pressure", narrative="Not here.")
    next_batch_time(clock)
    run_batch(app)
    with db(app):
        near_miss = Report.get(Report.kind == "near-miss").id
        distress = Report.get(Report.kind == "moral-distress").id
    return near_miss, distress


def exports(app) -> list[AuditEntry]:
    with db(app):
        return list(AuditEntry.select().where(AuditEntry.action == "report.export"))


@pytest.mark.parametrize("shape", sorted(EXPORTS))
def test_a_reviewer_downloads_the_near_miss_and_the_download_is_audited(app, filed, shape):
    near_miss, _distress = filed
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    response = reviewer.get(f"/review/{near_miss}/export/{shape}")
    assert response.status_code == 200
    media_type, audited_as, suffix = EXPORTS[shape]
    assert response.mimetype == media_type
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="near-miss-2026-11-{near_miss[:8]}{suffix}"'
    body = response.get_data(as_text=True)
    assert "Sarah" not in body and "Jones" not in body  # de-identified at filing
    assert "the pump alarm stopped it" in body
    exported = json.loads(body)
    if shape == "fhir":
        assert exported["resourceType"] == "Bundle"
        event = exported["entry"][0]["resource"]
        assert event["actuality"] == "potential" and event["date"] == "2026-11"
    else:
        assert exported["event"]["potential_harm"]["code"] == "severe"
        assert exported["ahrq_common_formats"]["report_type"] == "Near miss"
    (entry,) = exports(app)
    assert (entry.actor, entry.object) == ("alice", near_miss)
    assert json.loads(entry.detail) == {"format": audited_as}
    assert "Sarah" not in entry.detail and "pump" not in entry.detail


def test_the_report_page_offers_the_export_for_a_near_miss_only(app, filed):
    near_miss, distress = filed
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    page = reviewer.get(f"/review/{near_miss}").get_data(as_text=True)
    assert "Export for the incident system" in page
    assert f'href="/review/{near_miss}/export/fhir"' in page
    assert f'href="/review/{near_miss}/export/incident"' in page
    other = reviewer.get(f"/review/{distress}").get_data(as_text=True)
    assert "Export for the incident system" not in other and "/export/" not in other


@pytest.mark.parametrize("shape", sorted(EXPORTS))
def test_a_moral_distress_report_is_refused_in_words_and_nothing_leaves(app, filed, shape):
    _near_miss, distress = filed
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    response = reviewer.get(f"/review/{distress}/export/{shape}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    page = response.get_data(as_text=True)
    assert "Only near-miss reports can be exported" in page and "Not here." not in page
    assert exports(app) == []


@pytest.mark.parametrize("shape", sorted(EXPORTS))
def test_leadership_and_visitors_never_get_an_export(app, filed, shape):
    near_miss, _distress = filed
    leader, anonymous = app.test_client(), app.test_client()
    log_in(leader, "lena")
    refused = leader.get(f"/review/{near_miss}/export/{shape}")
    assert refused.status_code == 403 and "pump" not in refused.get_data(as_text=True)
    sent_away = anonymous.get(f"/review/{near_miss}/export/{shape}")
    assert sent_away.status_code == 302 and sent_away.headers["Location"].startswith("/login")
    assert exports(app) == []


def test_a_reviewer_of_another_group_gets_not_found(
    backend, initialised, recovery_key_file, database_url, make_app, clock, tmp_path
):
    initialise(
        str(initialised),
        open_database(database_url, str(initialised)),
        str(recovery_key_file),
        ["default", *GROUPS],
    )
    app = make_app(REVIEW_GROUPS=GROUPS)
    client = app.test_client()
    add_staff(app, tmp_path, "nina", recovery_key_file=recovery_key_file, group="patient-safety")
    add_staff(app, tmp_path, "eric", recovery_key_file=recovery_key_file, group="ethics")
    run_batch(app)
    file_report(client, narrative="A pump story only patient safety may read.")
    next_batch_time(clock)
    run_batch(app)
    with db(app):
        near_miss = Report.get().id
    eric, nina = app.test_client(), app.test_client()
    log_in(eric, "eric")
    log_in(nina, "nina")
    for shape in EXPORTS:
        response = eric.get(f"/review/{near_miss}/export/{shape}")
        unknown = eric.get(f"/review/{'0' * 32}/export/{shape}")
        assert response.status_code == unknown.status_code == 404
        assert "pump" not in response.get_data(as_text=True)
    assert exports(app) == []
    assert nina.get(f"/review/{near_miss}/export/fhir").status_code == 200
    assert [e.actor for e in exports(app)] == ["nina"]
