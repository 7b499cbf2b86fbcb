"""The reviewer in a real browser: TOTP login, the inbox after a batch, reply, refer, close."""

from __future__ import annotations

import pytest

from .browsing import screenshot
from .steps import NAME, PHONE, Reporter, Reviewer, file_report, log_in

pytestmark = pytest.mark.e2e

UNIT = "Main theatres"
UNIT_FILTER = "Surgery: Main theatres"
REPLY = "We have read this and taken it to the medicines safety group."


def test_reviewer_logs_in_with_totp_replies_refers_and_closes(browse, ward):
    reporter = Reporter(browse(ward, js=False))
    receipt = file_report(reporter, unit=UNIT)

    page = browse(ward)
    account = ward.accounts["reviewer"]
    page.log.allow_failure(401, "/login")
    log_in(page, account)
    assert page.url.endswith("/login"), "a reviewer got in without the second factor"
    assert page.get_by_role("alert").is_visible()
    screenshot(page, "login-refused")
    log_in(page, account, code=account.next_code())
    assert page.url.endswith("/review"), page.url

    reviewer = Reviewer(page, shots="reviewer-")
    assert reviewer.inbox(Unit=UNIT_FILTER) == [], "a report reached reviewers before a batch"
    ward.run_batch()
    rows = reviewer.inbox(Unit=UNIT_FILTER)
    assert len(rows) == 1 and "Received" in rows[0] and "Unread" in rows[0], rows
    reviewer.shot("inbox")
    reviewer.open_first()
    narrative = reviewer.narrative()
    assert NAME not in narrative and PHONE not in narrative and "[NAME]" in narrative, narrative
    reviewer.shot("report")

    reviewer.reply(REPLY)
    assert REPLY in page.locator("ol.thread").first.inner_text()

    page.log.allow_failure(400, page.url.removeprefix(ward.origin) + "/status")
    page.get_by_label("New status").select_option(label="Referred")
    page.get_by_role("button", name="Change status").click()
    assert page.get_by_role("alert").is_visible(), "a referral without a target was accepted"
    assert reviewer.status() == "Received"

    reviewer.change_status("Referred", referral="Incident process")
    assert reviewer.status() == "Referred (referred to Incident process)"
    reviewer.change_status("Closed")
    assert reviewer.status().startswith("Closed")
    reviewer.shot("report-closed")
    assert reviewer.inbox(Unit=UNIT_FILTER) == [], "a closed report is not an open one"
    rows = reviewer.inbox("Closed", Unit=UNIT_FILTER)
    assert "Closed" in rows[0] and "Unread" not in rows[0], rows

    reporter.follow_up(receipt)
    assert "Closed" in reporter.page.locator("dl.summary").inner_text()
    assert any(REPLY in message for message in reporter.messages())
    assert reporter.page.get_by_label("Your answer").count() == 0, "a closed report takes answers"


def test_a_reviewer_without_a_group_key_reads_no_report(browse, ward, reviewer):
    """Logged in with TOTP but never granted a group's key: the inbox stays empty."""
    file_report(Reporter(browse(ward)), unit="Labour ward")
    ward.run_batch()
    assert reviewer.inbox(Unit="Women and children: Labour ward"), "the granted reviewer sees it"
    page = browse(ward)
    account = ward.accounts["newcomer"]
    log_in(page, account, code=account.next_code())
    assert page.url.endswith("/review"), page.url
    assert Reviewer(page).inbox() == []
    assert "0 reports" in page.locator("#reports-heading").inner_text()
