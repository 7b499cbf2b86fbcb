"""Acceptance: the anonymous two-way conversation, on SQLite and PostgreSQL.

A full conversation through the web pages (file, acknowledge, reply, the reporter reads and
answers through the de-identification review, the reviewer sees it after the batch, refer,
close); a reviewer's reply is previewed scrubbed, and stored scrubbed even without its
preview; wrong and purged receipts reveal nothing; the stored thread opens only with the
receipt or the group key; and no reply, note or reporter message is in the database bytes.
"""

from __future__ import annotations

import html
import re

import pytest
from conftest import csrf_token, hidden_inputs, receipt_in, textarea
from review_support import (
    add_staff,
    db,
    file_report,
    inbox_ids,
    log_in,
    next_batch_time,
    post_form,
    run_batch,
)
from test_anonymity import pg_dump

from reporting import reports
from reporting.models import Message, Note, Report, ReviewGroup
from reporting.privacy import crypto, keys, receipts
from reporting.review import conversation

REPLY = "Thank you for telling us; the pharmacy lead is reviewing double checks this week."
ANSWER = "It happened again on Tuesday when Staff Nurse Philippa Quennell was on nights."


def report_page(reviewer, report_id):
    response = reviewer.get(f"/review/{report_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def act(reviewer, report_id, action, **data):
    return post_form(reviewer, f"/review/{report_id}", f"/review/{report_id}/{action}", **data)


def send_reply(reviewer, report_id, text):
    """The reply form as a browser without JavaScript sends it: preview, then "Send as shown"."""
    preview = act(reviewer, report_id, "reply", text=text)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert "Check your reply before it is sent" in page
    data = hidden_inputs(page)
    data.update(csrf_token=csrf_token(page), action="send")
    return reviewer.post(f"/review/{report_id}/reply", data=data)


def follow_up(client, receipt):
    page = client.get("/follow-up").get_data(as_text=True)
    return client.post("/follow-up", data={"csrf_token": csrf_token(page), "receipt": receipt})


def test_a_full_conversation_from_filing_to_closing(
    backend, app, client, reporter, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    assert inbox_ids(reviewer) == []  # the first look starts the batch schedule

    details = reporter.details(
        "near-miss", category="medication", unit="icu", narrative="The pump was set tenfold."
    ).get_data(as_text=True)
    receipt = receipt_in(reporter.step(details, "submit").get_data(as_text=True))

    next_batch_time(clock)
    log_in(reviewer, "alice")
    (report_id,) = inbox_ids(reviewer)
    assert act(reviewer, report_id, "status", status="acknowledged").status_code == 302
    assert send_reply(reviewer, report_id, REPLY).status_code == 302

    # The reporter reads the reply at once, with the receipt alone.
    status_page = follow_up(client, receipt).get_data(as_text=True)
    assert "Acknowledged" in status_page and REPLY in status_page
    assert receipt not in client.get("/follow-up").get_data(as_text=True)

    # The answer goes through the review step: the name is replaced and marked.
    data = {"csrf_token": csrf_token(status_page), "action": "review", "message": ANSWER}
    data["receipt"] = hidden_inputs(status_page)["receipt"]
    review = client.post("/follow-up/answer", data=data)
    review_html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert '<mark class="token"' in review_html and "Philippa Quennell" in review_html
    scrubbed = textarea(review_html, "message")
    assert "Quennell" not in scrubbed and "[NAME]" in scrubbed
    send = hidden_inputs(review_html)
    send.update(csrf_token=csrf_token(review_html), message=scrubbed, action="send")
    sent_html = client.post("/follow-up/answer", data=send).get_data(as_text=True)
    assert "Your answer was sent" in sent_html and scrubbed in sent_html

    # Reviewers see the answer only with the next batch, flagged.
    assert "Quennell" not in report_page(reviewer, report_id)
    assert "[NAME]" not in report_page(reviewer, report_id)
    next_batch_time(clock)
    log_in(reviewer, "alice")
    inbox_html = reviewer.get("/review").get_data(as_text=True)
    assert "Reporter replied" in inbox_html
    page = report_page(reviewer, report_id)
    assert scrubbed in page and "Quennell" not in page

    refused = act(reviewer, report_id, "status", status="referred", referral="")
    refused_html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Choose where the report is referred to: Incident process, Ethics consultation" in (
        refused_html
    )
    assert "incident-process" not in refused_html.split("<form")[0]  # plain words, no codes
    referred = act(reviewer, report_id, "status", status="referred", referral="safeguarding")
    assert referred.status_code == 302
    assert "Safeguarding" in report_page(reviewer, report_id)
    assert act(reviewer, report_id, "status", status="closed").status_code == 302
    with db(app):
        row = Report.get_by_id(report_id)
        assert (row.status, row.referral, row.feedback_given) == ("closed", "safeguarding", True)
        assert row.closed_on.isoformat() == "2026-11-16"
    closed = follow_up(client, receipt).get_data(as_text=True)
    assert "Closed." in closed and 'name="message"' not in closed


def test_the_api_carries_the_same_conversation(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)  # starts the schedule: reports filed from now wait for the next batch
    receipt = file_report(client, narrative="A fall from the hoist.")
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    next_batch_time(clock)
    run_batch(app)
    log_in(reviewer, "alice")
    (report_id,) = inbox_ids(reviewer)
    send_reply(reviewer, report_id, REPLY)

    answer = client.post("/api/v1/follow-up/messages", json={"receipt": receipt, "message": ANSWER})
    assert answer.status_code == 201
    assert answer.get_json()["author"] == "reporter"
    assert "Quennell" not in answer.get_json()["text"]
    thread = client.post("/api/v1/follow-up", json={"receipt": receipt.lower()}).get_json()
    assert thread["status"] == "received" and thread["period"] == "2026-11"
    assert [(m["author"], m["period"]) for m in thread["messages"]] == [
        ("reviewer", "2026-11"),
        ("reporter", "2026-11"),
    ]
    assert thread["messages"][0]["text"] == REPLY
    bad = client.post("/api/v1/follow-up/messages", json={"receipt": receipt, "message": " "})
    assert bad.status_code == 400 and "message" in bad.get_json()["error"]["fields"]
    extra = client.post(
        "/api/v1/follow-up/messages", json={"receipt": receipt, "message": "x", "when": 1}
    )
    assert extra.status_code == 400 and extra.get_json()["error"]["fields"]["when"]


def test_filing_wraps_the_narrative_with_the_receipts_key_pair_that_replies_are_sealed_to(
    backend, app, client, recovery_key_file
):
    """The receipt's key pair for a new report stands in for the ephemeral one of the
    narrative's envelope: one scalar multiplication fewer, and each report's is its own."""
    pepper = app.extensions["reporting"].pepper
    with_text = [file_report(client, narrative="A fall from the hoist.") for _ in range(2)]
    without = file_report(client, narrative="")
    group_private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
    with db(app):
        rows = {}
        for receipt in (*with_text, without):
            code = receipts.normalise(receipt)
            row = Report.by_receipt_digest(receipts.receipt_digest(code, pepper))
            own = crypto.public_key_of(conversation.receipt_private_key(code, row.id, pepper))
            assert bytes(row.reply_key) == own
            rows[receipt] = row
        for receipt in with_text:
            row = rows[receipt]
            assert crypto.sender_public(bytes(row.narrative)) == bytes(row.reply_key)
            context = reports.narrative_context(row.id)
            assert crypto.open_sealed(bytes(row.narrative), group_private, context) == (
                b"A fall from the hoist."
            )
        assert rows[without].narrative is None
        assert len({bytes(row.reply_key) for row in rows.values()}) == 3


def test_a_wrong_or_purged_receipt_reveals_nothing(backend, app, client):
    receipt = file_report(client)
    other = file_report(client)
    with db(app):
        Report.update(purged=True).where(
            Report.receipt_digest
            == receipts.receipt_digest(
                receipts.normalise(other), app.extensions["reporting"].pepper
            )
        ).execute()
    wrong = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")
    answers = {}
    for label, code in (("wrong", wrong), ("purged", other), ("junk", "not a receipt")):
        thread = client.post("/api/v1/follow-up", json={"receipt": code})
        message = client.post("/api/v1/follow-up/messages", json={"receipt": code, "message": "hi"})
        page = follow_up(client, code)
        answers[label] = (thread.status_code, thread.get_json(), message.status_code)
        answers[label] += (message.get_json(), page.status_code)
        body = page.get_data(as_text=True)
        assert "No report answers to that receipt" in body
        assert code not in body
    assert answers["wrong"] == answers["purged"] == answers["junk"]
    status, body, message_status, message_body, page_status = answers["wrong"]
    assert (status, message_status, page_status) == (404, 404, 404)
    assert body["error"]["code"] == message_body["error"]["code"] == "receipt_not_found"
    assert client.post("/api/v1/follow-up", json={"receipt": receipt}).status_code == 200


def test_the_thread_opens_only_with_the_receipt_or_the_group_key(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)  # starts the schedule: reports filed from now wait for the next batch
    receipt = file_report(client)
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    next_batch_time(clock)
    run_batch(app)
    log_in(reviewer, "alice")
    (report_id,) = inbox_ids(reviewer)
    send_reply(reviewer, report_id, REPLY)
    client.post("/api/v1/follow-up/messages", json={"receipt": receipt, "message": ANSWER})
    pepper = app.extensions["reporting"].pepper
    with db(app):
        rows = list(Message.select().order_by(Message.seq))
        assert len(rows) == 2 and all(REPLY.encode() not in row.body for row in rows)
        code = receipts.normalise(receipt)
        right = conversation.receipt_private_key(code, report_id, pepper)
        wrong_code = receipts.normalise(receipts.new_receipt())
        wrong = conversation.receipt_private_key(wrong_code, report_id, pepper)
        group_private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
        other_group = crypto.generate_keypair().private
        for row in rows:
            copy_context = conversation.message_context(row) + b":receipt"
            data_key = crypto.open_sealed(row.receipt_wrapped_key, right, copy_context)
            text = crypto.open_with_data_key(row.body, data_key, conversation.message_context(row))
            assert text.decode() in (REPLY, conversation.thread_by_receipt(
                receipt, pepper=pepper).messages[1].text)  # fmt: skip
            assert (
                crypto.open_sealed(
                    row.body, group_private, conversation.message_context(row)
                ).decode()
                == text.decode()
            )
            with pytest.raises(crypto.CryptoError):
                crypto.open_sealed(row.receipt_wrapped_key, wrong, copy_context)
            with pytest.raises(crypto.CryptoError):
                crypto.open_sealed(row.body, other_group, conversation.message_context(row))
            # Sealed to this message: moved to another message, it does not open.
            with pytest.raises(crypto.CryptoError):
                crypto.open_sealed(row.body, group_private, b"report:x:message:y")
        assert ReviewGroup.default().public_key == crypto.public_key_of(group_private)


def test_no_reply_note_or_reporter_message_is_in_the_database_bytes(
    backend, app, client, clock, tmp_path, recovery_key_file, instance_dir, database_url
):
    note = "Zygomorphic quillback rota note: ask estates about the velveteen hoist."
    reply = "Marzipan-shaped reply: the xylophonic pump firmware is being replaced."
    answer = "Periwinkle answer from the reporter about the octarine cupboard keys."
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)  # starts the schedule: reports filed from now wait for the next batch
    receipt = file_report(client, narrative="A flibbertigibbet pump alarm went unanswered.")
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    next_batch_time(clock)
    run_batch(app)
    log_in(reviewer, "alice")
    (report_id,) = inbox_ids(reviewer)
    act(reviewer, report_id, "notes", text=note)
    send_reply(reviewer, report_id, reply)
    sent = client.post("/api/v1/follow-up/messages", json={"receipt": receipt, "message": answer})
    assert sent.status_code == 201
    next_batch_time(clock)
    run_batch(app)
    log_in(reviewer, "alice")
    page = report_page(reviewer, report_id)
    assert note in page and reply in page and answer in page  # it is there, sealed
    with db(app):
        assert Note.select().count() == 1 and Message.select().count() == 2
    if backend == "sqlite":
        stored = b"".join(p.read_bytes() for p in sorted(instance_dir.rglob("*")) if p.is_file())
    else:
        stored = pg_dump(database_url)
    for text in (note, reply, answer):
        for start in range(0, len(text) - 12):
            window = text[start : start + 12].encode()
            assert window not in stored, f"{window!r} of a sealed text is stored in the clear"
    # The scan reads the real rows: the note's author and the report's unit are there.
    assert b"alice" in stored and b"icu" in stored


IDENTIFYING = "Jane Smith rang 07700 900123 about the pump alarm."
SCRUBBED = "[NAME] rang [PHONE] about the pump alarm."


def a_report_in_the_inbox(app, client, clock, tmp_path, recovery_key_file):
    """A reviewer logged in with one report (filed with a receipt) in their inbox."""
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)  # starts the schedule: reports filed from now wait for the next batch
    receipt = file_report(client, narrative="The pump alarm was silenced.")
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    next_batch_time(clock)
    run_batch(app)
    log_in(reviewer, "alice")
    (report_id,) = inbox_ids(reviewer)
    return reviewer, report_id, receipt


def what_the_reporter_reads(client, receipt) -> tuple[str, list[str]]:
    """The follow-up page (HTML, unescaped) and the messages' texts from /api/v1/follow-up."""
    page = html.unescape(follow_up(client, receipt).get_data(as_text=True))
    thread = client.post("/api/v1/follow-up", json={"receipt": receipt}).get_json()
    return page, [m["text"] for m in thread["messages"]]


def reply_textarea(page: str) -> str:
    match = re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no reply text box"
    return html.unescape(match.group(1)).strip()


def test_a_reply_is_previewed_scrubbed_and_reaches_the_reporter_without_identifiers(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer, report_id, receipt = a_report_in_the_inbox(
        app, client, clock, tmp_path, recovery_key_file
    )
    preview = act(reviewer, report_id, "reply", text=IDENTIFYING)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Check your reply before it is sent" in page
    assert '<mark class="token" title="NAME">[NAME]<sup>1</sup></mark>' in page
    assert '<mark class="token" title="PHONE">[PHONE]<sup>2</sup></mark>' in page
    assert 'value="send"' in page and ">Send as shown</button>" in page
    assert 'value="edit"' in page and ">Edit</button>" in page
    assert hidden_inputs(page)["text"] == SCRUBBED  # the form carries only the scrubbed text
    with db(app):
        assert Message.select().count() == 0  # a preview stores nothing

    # "Edit" goes back to the report page with the scrubbed reply in the box.
    edit = hidden_inputs(page)
    edit.update(csrf_token=csrf_token(page), action="edit")
    edited = reviewer.post(f"/review/{report_id}/reply", data=edit)
    assert edited.status_code == 200 and reply_textarea(edited.get_data(as_text=True)) == SCRUBBED
    with db(app):
        assert Message.select().count() == 0

    sent = send_reply(reviewer, report_id, IDENTIFYING)
    assert sent.status_code == 302
    assert "Reply sent. The reporter sees it" in report_page(reviewer, report_id)
    assert SCRUBBED in html.unescape(report_page(reviewer, report_id))
    follow_up_page, texts = what_the_reporter_reads(client, receipt)
    assert texts == [SCRUBBED] and SCRUBBED in follow_up_page
    for leaked in ("Jane", "Smith", "07700", "900123"):
        assert leaked not in follow_up_page and leaked not in texts[0], leaked
    with db(app):
        assert Report.get_by_id(report_id).feedback_given


def test_a_reply_without_identifiers_is_previewed_and_sent_unchanged(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer, report_id, receipt = a_report_in_the_inbox(
        app, client, clock, tmp_path, recovery_key_file
    )
    page = act(reviewer, report_id, "reply", text=REPLY).get_data(as_text=True)
    assert "We found nothing to replace" in page and '<mark class="token" title=' not in page
    assert hidden_inputs(page)["text"] == REPLY
    assert send_reply(reviewer, report_id, REPLY).status_code == 302
    follow_up_page, texts = what_the_reporter_reads(client, receipt)
    assert texts == [REPLY] and REPLY in follow_up_page


def test_a_reply_posted_without_its_preview_is_still_scrubbed_when_stored(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer, report_id, receipt = a_report_in_the_inbox(
        app, client, clock, tmp_path, recovery_key_file
    )
    skipped = post_form(  # straight to "send", as no form on the site does
        reviewer,
        f"/review/{report_id}",
        f"/review/{report_id}/reply",
        text=IDENTIFYING,
        action="send",
    )
    assert skipped.status_code == 302
    assert "with identifying details replaced" in report_page(reviewer, report_id)
    follow_up_page, texts = what_the_reporter_reads(client, receipt)
    assert texts == [SCRUBBED]
    assert "Jane Smith" not in follow_up_page and "07700 900123" not in follow_up_page

    # The domain verb scrubs whatever its caller does, and refuses an empty reply.
    found = app.extensions["reporting"]
    with db(app):
        report = Report.get_by_id(report_id)
        view = conversation.post_reply(
            report, IDENTIFYING, period="2026-11", scrubber=found.scrubber, max_chars=2000
        )
        assert view.text == SCRUBBED
        with pytest.raises(conversation.InvalidMessage):
            conversation.post_reply(
                report, "  ", period="2026-11", scrubber=found.scrubber, max_chars=2000
            )
    assert what_the_reporter_reads(client, receipt)[1] == [SCRUBBED, SCRUBBED]
    empty = act(reviewer, report_id, "reply", text=" ")
    assert empty.status_code == 400 and "the message is empty" in empty.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_answer_waits_for_another_process_holding_the_write_lock(backend, app, client):
    """Another process writing (the writer process's commit or checkpoint) makes the answer
    wait its turn: a transaction that read before asking for the write lock was refused at
    once ("database is locked"), the 500 a reporter met right after filing."""
    import sqlite3
    import threading

    receipt = file_report(client, narrative="The pump was programmed in mL instead of mL/h.")
    other = sqlite3.connect(app.extensions["reporting.database"].database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
    answers = []

    def answer():
        with app.test_client() as own:
            answers.append(
                own.post(
                    "/api/v1/follow-up/messages", json={"receipt": receipt, "message": "Again."}
                ).status_code
            )

    thread = threading.Thread(target=answer)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive() and not answers, "the answer did not wait for the lock"
    other.execute("COMMIT")
    other.close()
    thread.join(timeout=30)
    assert answers == [201]
