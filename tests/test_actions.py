"""'You said, we did': published only over published quarter counts, listed publicly, unlinked,
previewed before publishing, scrubbed of names with its dates and times kept.

Every test runs on SQLite and on PostgreSQL. The `released` fixture stores July to September
2026; two venous thromboembolism (vte) near-misses are added so that category's 2026-Q3
count is hidden (below k = 5).
"""

from __future__ import annotations

import html
import re
import secrets

import pytest
from argon2 import PasswordHasher
from conftest import csrf_token, hidden_inputs
from flask import render_template
from helpers import add_reports

from reporting import accounts, reports, submissions
from reporting.db import database
from reporting.models import ActionSummary, AuditEntry, Report
from reporting.review import actions
from reporting.web.auditing import audit
from reporting.web.services import released_cells

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
NAMED = "Thanks to Dr Sarah Jones, every bed on the unit now has a working alarm."


@pytest.fixture
def quarter_released(released, runner):
    add_reports("2026-08", "icu", "near-miss", "vte", 2)
    assert runner.invoke(args=["release"]).exit_code == 0
    with released.app_context(), database.connection_context():
        accounts.create_user("rev", PASSWORD, ["reviewer"], hasher=FAST)
        accounts.create_user("lead", PASSWORD, ["leadership"], hasher=FAST)
    return released


def log_in(app, username):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"csrf_token": csrf_token(page), "username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def publish(app, kind, category, quarter, text=NAMED, *, actor="rev"):
    with app.test_request_context(), database.connection_context():
        services = app.extensions["reporting"]
        return actions.publish(
            kind,
            category,
            quarter,
            text,
            released=released_cells(),
            taxonomy=services.require_taxonomy(),
            scrubber=services.scrubber,
            month="2026-10",
            record=audit,
            actor=actor,
        )


def test_a_summary_needs_the_quarter_count_to_be_published(quarter_released):
    app = quarter_released
    with app.test_request_context(), database.connection_context():
        services = app.extensions["reporting"]
        cells, taxonomy = released_cells(), services.require_taxonomy()
        assert actions.quarter_count(cells, taxonomy, "near-miss", "fall", "2026-Q3") == 36
        assert actions.quarter_count(cells, taxonomy, "near-miss", "vte", "2026-Q3") is None
        choices = {(p.quarter, p.kind, p.category) for p in actions.publishable(cells, taxonomy)}
    assert ("2026-Q3", "near-miss", "fall") in choices
    assert ("2026-Q3", "near-miss", "vte") not in choices

    for kind, category, quarter in (
        ("near-miss", "vte", "2026-Q3"),  # hidden for anonymity
        ("near-miss", "fall", "2026-Q4"),  # not released yet
        ("near-miss", "falls", "2026-Q3"),  # no such category
        ("near-miss", "fall", "2026-07"),  # not a quarter
    ):
        with pytest.raises(actions.SummaryRefused) as refused:
            publish(app, kind, category, quarter)
        assert set(refused.value.fields) & {"category", "quarter"}
    with pytest.raises(actions.SummaryRefused) as empty:
        publish(app, "near-miss", "fall", "2026-Q3", "  <b></b> ")
    assert "text" in empty.value.fields
    with database.connection_context():
        assert ActionSummary.select().count() == 0

    summary = publish(app, "near-miss", "fall", "2026-Q3")
    assert "Sarah" not in summary.text and "Jones" not in summary.text
    assert summary.text.startswith("Thanks to [NAME]")
    with database.connection_context():
        audited = AuditEntry.get(AuditEntry.action == "action-publish")
    assert (audited.actor, audited.object) == ("rev", summary.id)


def test_reviewer_publishes_with_csrf_and_the_public_page_lists_it_unlinked(quarter_released):
    app = quarter_released
    reviewer = log_in(app, "rev")
    form = reviewer.get("/review/actions")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert 'value="2026-Q3|near-miss|fall"' in page
    assert "2026-Q3|near-miss|vte" not in page

    no_token = reviewer.post(
        "/review/actions", data={"target": "2026-Q3|near-miss|fall", "text": "x"}
    )
    assert no_token.status_code == 400
    hidden = reviewer.post(
        "/review/actions",
        data={"csrf_token": csrf_token(page), "target": "2026-Q3|near-miss|vte", "text": NAMED},
    )
    assert hidden.status_code == 400
    body = html.unescape(hidden.get_data(as_text=True))
    assert "not published" in body and NAMED in body  # the text is kept for another try

    done = reviewer.post(  # straight to publishing, past the preview: scrubbed all the same
        "/review/actions",
        data={
            "csrf_token": csrf_token(page),
            "target": "2026-Q3|near-miss|fall",
            "text": NAMED,
            "action": "publish",
        },
    )
    assert done.status_code == 302
    with database.connection_context():
        published = ActionSummary.get()
        audited = AuditEntry.get(AuditEntry.action == "action-publish")
    assert (published.quarter, published.published) == ("2026-Q3", "2026-10")
    assert (audited.actor, audited.object) == ("rev", published.id)

    public = app.test_client().get("/you-said-we-did")
    assert public.status_code == 200
    listed = html.unescape(public.get_data(as_text=True))
    assert "2026-Q3" in listed and "every bed on the unit now has a working alarm" in listed
    assert "Sarah" not in listed and "Jones" not in listed
    with database.connection_context():
        report_ids = [r.id for r in Report.select(Report.id)]
    assert not any(report_id in listed for report_id in report_ids)
    assert not re.search(r"/review/|report[_-]?id", listed)


def test_publishing_is_for_reviewers_only(quarter_released):
    app = quarter_released
    anonymous = app.test_client().get("/review/actions")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert app.test_client().post("/review/actions").status_code in (302, 400)
    lead = log_in(app, "lead")
    assert lead.get("/review/actions").status_code == 403
    page = lead.get("/dashboard").get_data(as_text=True)
    refused = lead.post(
        "/review/actions",
        data={"csrf_token": csrf_token(page), "target": "2026-Q3|near-miss|fall", "text": "x"},
    )
    assert refused.status_code == 403
    with database.connection_context():
        assert ActionSummary.select().count() == 0


def test_summaries_for_matches_reports_of_that_quarter_only(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3")
    add_reports("2026-10", "icu", "near-miss", "fall", 1)
    add_reports("2026-06", "icu", "near-miss", "fall", 1)
    with database.connection_context():
        for report in Report.select():
            found = [
                s.id for s in actions.summaries_for(report.kind, report.category, report.period)
            ]
            fed = (report.kind, report.category) == ("near-miss", "fall") and report.period in (
                "2026-07",
                "2026-08",
                "2026-09",
            )
            assert found == ([summary.id] if fed else []), (report.period, report.category)
        assert actions.summaries_for("near-miss", "fall", "2026-10") == []
        assert actions.summaries_for("near-miss", "fall", "2025-08") == []


def test_follow_up_fragment_shows_the_summaries_it_is_given(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms <script>x</script> fixed.")
    with app.test_request_context():
        shown = render_template("public/_you_said_we_did.html", summaries=[summary])
        nothing = render_template("public/_you_said_we_did.html", summaries=[])
    assert "Bed alarms" in shown and "fixed." in shown and "<script>" not in shown
    assert 'href="/you-said-we-did"' in shown
    assert nothing.strip() == ""


def test_landing_page_links_the_public_page(app, client):
    assert 'href="/you-said-we-did"' in client.get("/").get_data(as_text=True)
    empty = client.get("/you-said-we-did")
    assert empty.status_code == 200 and "Nothing has been published yet" in empty.get_data(
        as_text=True
    )


def test_a_receipt_holder_whose_report_fed_a_summary_sees_it_on_the_follow_up_page(
    quarter_released,
):
    app = quarter_released
    publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms were fitted on every ward.")
    found = app.extensions["reporting"]
    with app.app_context(), database.connection_context():
        receipts = {
            period: reports.file_report(
                submissions.Submission(
                    kind="near-miss", category="fall", unit="icu", role="nursing"
                ),
                period=period,
                pepper=found.pepper,
                scrubber=found.scrubber,
            ).receipt
            for period in ("2026-08", "2026-11")
        }
    client = app.test_client()
    pages = {}
    for period, receipt in receipts.items():
        form = client.get("/follow-up").get_data(as_text=True)
        response = client.post(
            "/follow-up", data={"csrf_token": csrf_token(form), "receipt": receipt}
        )
        assert response.status_code == 200
        pages[period] = response.get_data(as_text=True)
    assert "Bed alarms were fitted on every ward." in pages["2026-08"]
    assert "You said, we did" in pages["2026-08"]
    assert "Bed alarms" not in pages["2026-11"]


DATED = "From 3 March 2026 the 14:00 handover has two nurses, thanks to Dr Mark Bell"


def test_a_summary_keeps_its_dates_and_times_and_loses_names(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3", DATED + ". Call 07700 900123.")
    assert "3 March 2026" in summary.text and "14:00" in summary.text
    assert "Mark" not in summary.text and "Bell" not in summary.text
    assert "[NAME]" in summary.text and "07700" not in summary.text
    assert summary.text.startswith("From 3 March 2026 the 14:00 handover has two nurses")


def test_a_summary_is_previewed_marked_then_published_as_shown(quarter_released):
    app = quarter_released
    reviewer = log_in(app, "rev")
    page = reviewer.get("/review/actions").get_data(as_text=True)
    target = "2026-Q3|near-miss|fall"
    preview = reviewer.post(
        "/review/actions", data={"csrf_token": csrf_token(page), "target": target, "text": DATED}
    )
    shown = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Check the summary before it is published" in shown
    assert '<mark class="token" title="NAME">[NAME]<sup>1</sup></mark>' in shown
    assert "3 March 2026" in shown and "14:00" in shown
    assert "<q>Dr Mark Bell</q>" in shown  # the list of what each token replaced
    assert ">Publish as shown</button>" in shown and ">Edit</button>" in shown
    carried = hidden_inputs(shown)
    assert carried["target"] == target and "Mark" not in carried["text"]
    assert carried["text"].endswith("thanks to [NAME]")
    assert carried["text"].startswith("From 3 March 2026 the 14:00 handover")
    with database.connection_context():
        assert ActionSummary.select().count() == 0  # a preview publishes nothing

    edit = reviewer.post(
        "/review/actions", data={**carried, "csrf_token": csrf_token(shown), "action": "edit"}
    )
    edited = html.unescape(edit.get_data(as_text=True))
    assert edit.status_code == 200 and carried["text"] in edited and "Mark Bell" not in edited
    assert 'value="2026-Q3|near-miss|fall" selected' in edit.get_data(as_text=True)

    done = reviewer.post(
        "/review/actions", data={**carried, "csrf_token": csrf_token(shown), "action": "publish"}
    )
    assert done.status_code == 302
    with database.connection_context():
        published = ActionSummary.get()
    assert published.text == carried["text"]
    listed = html.unescape(app.test_client().get("/you-said-we-did").get_data(as_text=True))
    assert "From 3 March 2026 the 14:00 handover has two nurses" in listed
    assert "Mark" not in listed and "Bell" not in listed

    refused = reviewer.post(  # the preview applies the publishing rules too
        "/review/actions",
        data={"csrf_token": csrf_token(shown), "target": "2026-Q3|near-miss|vte", "text": DATED},
    )
    assert refused.status_code == 400 and "not published" in refused.get_data(as_text=True)


def audited(action: str) -> AuditEntry:
    with database.connection_context():
        return AuditEntry.get(AuditEntry.action == action)


def test_editing_a_summary_scrubs_it_like_publishing_and_audits_which_one(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms were fitted.")
    with app.test_request_context(), database.connection_context():
        services = app.extensions["reporting"]
        given = {
            "released": released_cells(),
            "taxonomy": services.require_taxonomy(),
            "scrubber": services.scrubber,
        }
        with pytest.raises(actions.SummaryRefused) as empty:
            actions.edit(summary.id, "  <i></i> ", record=audit, actor="rev", **given)
        assert "text" in empty.value.fields
        edited = actions.edit(summary.id, DATED, record=audit, actor="rev", **given)
        with pytest.raises(actions.SummaryNotFound):
            actions.edit("0" * 16, DATED, record=audit, actor="rev", **given)
        stored = ActionSummary.get_by_id(summary.id)
    assert stored.text == edited.text
    assert stored.text.startswith("From 3 March 2026 the 14:00 handover has two nurses")
    assert "Mark" not in stored.text and "Bell" not in stored.text and "[NAME]" in stored.text
    assert (stored.kind, stored.category, stored.quarter) == ("near-miss", "fall", "2026-Q3")
    assert stored.published == summary.published
    entry = audited("action-edit")
    assert (entry.actor, entry.object) == ("rev", summary.id)
    assert "handover" not in (entry.detail or "") and "Bed alarms" not in (entry.detail or "")
    assert "2026-Q3" in entry.detail


def test_withdrawing_a_summary_deletes_it_everywhere_and_audits_which_one(quarter_released):
    app = quarter_released
    kept = publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms were fitted on every ward.")
    gone = publish(app, "near-miss", "fall", "2026-Q3", "Night handovers now have two nurses.")
    with app.test_request_context(), database.connection_context():
        actions.withdraw(gone.id, record=audit, actor="rev")
        with pytest.raises(actions.SummaryNotFound):
            actions.withdraw(gone.id, record=audit, actor="rev")
        assert [s.id for s in actions.summaries_for("near-miss", "fall", "2026-08")] == [kept.id]
        assert ActionSummary.get_or_none(ActionSummary.id == gone.id) is None
    listed = app.test_client().get("/you-said-we-did").get_data(as_text=True)
    assert "Bed alarms" in listed and "Night handovers" not in listed
    entry = audited("action-withdraw")
    assert (entry.actor, entry.object) == ("rev", gone.id)
    assert "handover" not in entry.detail and "near-miss" in entry.detail


def test_a_reviewer_edits_through_the_preview_with_csrf(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms were fitted.")
    reviewer = log_in(app, "rev")
    listing = reviewer.get("/review/actions").get_data(as_text=True)
    edit_url = f"/review/actions/{summary.id}/edit"
    assert f'href="{edit_url}"' in listing
    assert f'href="/review/actions/{summary.id}/withdraw"' in listing
    form = reviewer.get(edit_url)
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and ">Bed alarms were fitted.</textarea>" in page

    assert reviewer.post(edit_url, data={"text": DATED, "action": "save"}).status_code == 400
    preview = reviewer.post(edit_url, data={"csrf_token": csrf_token(page), "text": DATED})
    shown = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Check the summary before it is saved" in shown
    assert '<mark class="token" title="NAME">[NAME]<sup>1</sup></mark>' in shown
    assert ">Save as shown</button>" in shown and ">Edit</button>" in shown
    carried = hidden_inputs(shown)
    assert "target" not in carried and "Mark" not in carried["text"]
    with database.connection_context():
        assert ActionSummary.get_by_id(summary.id).text == "Bed alarms were fitted."

    back = reviewer.post(edit_url, data={**carried, "action": "edit"})
    assert back.status_code == 200 and "Edit the summary" in back.get_data(as_text=True)
    saved = reviewer.post(edit_url, data={**carried, "action": "save"})
    assert saved.status_code == 302
    with database.connection_context():
        assert ActionSummary.get_by_id(summary.id).text == carried["text"]
    assert "Saved the summary for Fall, 2026-Q3." in reviewer.get("/review/actions").get_data(
        as_text=True
    )
    assert (audited("action-edit").actor, audited("action-edit").object) == ("rev", summary.id)
    refused = reviewer.post(edit_url, data={**carried, "text": " ", "action": "save"})
    assert refused.status_code == 400 and "say what changed" in refused.get_data(as_text=True)


def test_a_reviewer_withdraws_after_a_confirmation_page(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms were fitted.")
    reviewer = log_in(app, "rev")
    url = f"/review/actions/{summary.id}/withdraw"
    confirm = reviewer.get(url)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Withdraw this summary?" in page
    assert "Bed alarms were fitted." in page
    with database.connection_context():
        assert ActionSummary.select().count() == 1  # asking is not withdrawing
    assert reviewer.post(url).status_code == 400  # no CSRF token
    done = reviewer.post(url, data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302
    after = reviewer.get("/review/actions").get_data(as_text=True)
    assert "Withdrew the summary for Fall, 2026-Q3: staff no longer see it." in after
    assert (audited("action-withdraw").actor, audited("action-withdraw").object) == (
        "rev",
        summary.id,
    )
    assert reviewer.get(url).status_code == 404
    assert reviewer.post(url, data={"csrf_token": csrf_token(page)}).status_code == 404
    assert reviewer.get("/review/actions/not-a-summary/edit").status_code == 404


def test_editing_and_withdrawing_are_for_reviewers_only(quarter_released):
    app = quarter_released
    summary = publish(app, "near-miss", "fall", "2026-Q3", "Bed alarms were fitted.")
    lead = log_in(app, "lead")
    page = lead.get("/dashboard").get_data(as_text=True)
    for path in (f"/review/actions/{summary.id}/edit", f"/review/actions/{summary.id}/withdraw"):
        assert lead.get(path).status_code == 403
        assert (
            lead.post(path, data={"csrf_token": csrf_token(page), "text": "x"}).status_code == 403
        )
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with database.connection_context():
        assert ActionSummary.get_by_id(summary.id).text == "Bed alarms were fitted."
