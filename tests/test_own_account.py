"""The reporter reads their own de-identified account again with the receipt (schema 10).

At filing the narrative's data key is also sealed under a key derived from the receipt and
the sealed narrative's own nonce, so the receipt holder and the review team can read it and
a copy of the database with neither a receipt nor a reviewer's key reads nothing. Reports
filed before say so; destroying the narrative leaves a copy nobody can open or test.
"""

from __future__ import annotations

import html as html_module
import re

import pytest
from conftest import csrf_token, receipt_in
from helpers import narratives_opened_with, stored_reports

from reporting import reports, schema
from reporting.db import database
from reporting.models import Report
from reporting.privacy import crypto, receipts
from reporting.privacy.keys import unlock_with_recovery_key

NARRATIVE = "Dr Okafor hung the heparin at twice the rate. I stopped the pump before it ran."


def file_with_narrative(reporter, narrative: str = NARRATIVE) -> str:
    review = reporter.details("near-miss", category="medication", narrative=narrative)
    return receipt_in(reporter.step(review.get_data(as_text=True), "submit").get_data(True))


def follow_up(client, receipt: str) -> str:
    page = client.get("/follow-up").get_data(as_text=True)
    response = client.post("/follow-up", data={"receipt": receipt, "csrf_token": csrf_token(page)})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_account(html: str) -> str | None:
    match = re.search(
        r'<details class="own-account">.*?<div class="preview">(.*?)</div>', html, re.S
    )
    return html_module.unescape(match.group(1)) if match else None


def test_the_follow_up_page_shows_the_account_the_review_team_reads(
    reporter, client, recovery_key_file
):
    receipt = file_with_narrative(reporter)
    html = follow_up(client, receipt)
    account = shown_account(html)
    (reviewers_read,) = narratives_opened_with(recovery_key_file).values()
    assert account == reviewers_read
    assert "Okafor" not in account and "[NAME]" in account and "heparin" in account
    assert "<details" in html and "<details open" not in html  # folded on a shared screen


def test_the_copy_is_ciphertext_and_opens_only_with_its_own_receipt(reporter, app):
    first = file_with_narrative(reporter)
    second = file_with_narrative(reporter, "The second account, about a fall.")
    pepper = app.extensions["reporting"].pepper
    with app.app_context(), database.connection_context():
        for row in stored_reports():
            copy = bytes(row.narrative_receipt_key)
            assert b"heparin" not in copy and b"fall" not in copy and len(copy) == 1 + 12 + 48
        assert "heparin" in reports.own_account(first, pepper=pepper).text
        assert "fall" in reports.own_account(second, pepper=pepper).text
        row = Report.by_receipt_digest(receipts.receipt_digest(receipts.normalise(first), pepper))
        nonce = crypto.item_nonce(bytes(row.narrative))
        context = reports.narrative_context(row.id) + b":receipt"
        wrong = receipts.narrative_copy_key(receipts.normalise(second), row.id, pepper, nonce)
        with pytest.raises(crypto.CryptoError):
            crypto.decrypt_with_secret(bytes(row.narrative_receipt_key), wrong, context)


def test_a_destroyed_narrative_leaves_a_copy_no_receipt_opens_or_tests(reporter, app):
    receipt = file_with_narrative(reporter)
    code = receipts.normalise(receipt)
    pepper = app.extensions["reporting"].pepper
    with app.app_context(), database.connection_context():
        (row,) = stored_reports()
        nonce = crypto.item_nonce(bytes(row.narrative))
        context = reports.narrative_context(row.id) + b":receipt"
        copy = bytes(row.narrative_receipt_key)
        right = receipts.narrative_copy_key(code, row.id, pepper, nonce)
        assert len(crypto.decrypt_with_secret(copy, right, context)) == 32
        # With the narrative gone its nonce is gone: the receipt alone gives another key.
        for guess in (b"\0" * 12, b""):
            wrong = receipts.narrative_copy_key(code, row.id, pepper, guess)
            with pytest.raises(crypto.CryptoError):
                crypto.decrypt_with_secret(copy, wrong, context)


def test_rewrapping_for_a_new_review_key_keeps_the_account_readable(
    reporter, app, recovery_key_file
):
    """Key rotation re-wraps the narrative's data key, never the data: the copy still opens."""
    receipt = file_with_narrative(reporter)
    pepper = app.extensions["reporting"].pepper
    with app.app_context(), database.connection_context():
        (row,) = stored_reports()
        old = unlock_with_recovery_key(recovery_key_file.read_text())
        new = crypto.generate_keypair()
        context = reports.narrative_context(row.id)
        rewrapped = crypto.rewrap(bytes(row.narrative), old, new.public, context)
        Report.update(narrative=rewrapped).where(Report.id == row.id).execute()
        assert crypto.open_sealed(rewrapped, new.private, context).startswith(b"[NAME]")
        assert "heparin" in reports.own_account(receipt, pepper=pepper).text


def test_a_report_without_an_account_says_so(reporter, client):
    response = reporter.details("moral-distress", category="false-hope", intensity="3")
    html = follow_up(client, receipt_in(response.get_data(as_text=True)))
    assert "You did not write an account with this report." in html
    assert shown_account(html) is None
    (row,) = stored_reports()
    assert row.narrative is None and row.narrative_receipt_key is None


def test_a_report_filed_before_schema_10_says_reading_back_is_not_available(reporter, client):
    receipt = file_with_narrative(reporter)
    with database.connection_context():
        Report.update(narrative_receipt_key=None).execute()  # as filed before the copy existed
    html = follow_up(client, receipt)
    assert shown_account(html) is None
    assert "not available for reports filed before" in html
    assert f"schema version {reports.OWN_ACCOUNT_SINCE_SCHEMA} of this service" in html
    assert "heparin" not in html


def test_the_version_named_is_the_migration_that_adds_the_copy():
    versions = dict(schema.MIGRATIONS)
    assert versions[reports.OWN_ACCOUNT_SINCE_SCHEMA].__name__ == "_v10_own_account"


def test_upgrading_from_schema_9_adds_the_column_and_keeps_reports(
    reporter, client, initialised, database_url
):
    from reporting.db import bind, open_database

    receipt = file_with_narrative(reporter)
    db = open_database(database_url, str(initialised))
    bind(db)
    with db.connection_context():
        db.execute_sql('ALTER TABLE "report" DROP COLUMN narrative_receipt_key')
        db.execute_sql("UPDATE schema_version SET version = 9")
    assert schema.upgrade(db) == (9, schema.LATEST)
    with db.connection_context():
        assert "narrative_receipt_key" in {c.name for c in db.get_columns("report")}
    html = follow_up(client, receipt)
    assert "not available for reports filed before" in html
