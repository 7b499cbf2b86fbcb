"""The reporter's follow-up pages: a report's status and its conversation, by receipt alone.

The receipt travels only in form bodies (POSTs), never in a URL. An answer is reviewed
like a narrative (de-identified, with words to restore) before it is sent. The views are
registered on the reporter's blueprint (public.py), so their endpoints are ``public.*``.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, render_template, session

from reporting import reports
from reporting.privacy import drafts, receipts
from reporting.review import actions, conversation
from reporting.taxonomy import KINDS
from reporting.web.forms import AnswerForm, FollowUpForm
from reporting.web.ratelimit import receipt_limit
from reporting.web.services import current_period, services

STATUS_WORDS = {
    "received": "Received. Reviewers read new reports in daily batches.",
    "acknowledged": "Acknowledged: a reviewer has read your report.",
    "in-review": "In review: reviewers are looking into what you described.",
    "referred": "Referred on to the right process (for example incident review or ethics).",
    "action-taken": "Action taken because of what you reported.",
    "no-further-action": "Reviewed; no further action is planned.",
    "closed": "Closed.",
}


def register(bp: Blueprint) -> None:
    """Add the follow-up views to the reporter's blueprint, under their own names."""
    bp.get("/follow-up")(follow_up)
    bp.post("/follow-up")(follow_up_status)
    bp.post("/follow-up/answer")(follow_up_answer)


def follow_up():
    return render_template("public/follow_up.html", form=FollowUpForm())


@receipt_limit
def follow_up_status():
    form = FollowUpForm()
    form.validate()
    receipt = form.receipt.data or ""
    try:
        thread = conversation.thread_by_receipt(receipt, pepper=services().pepper)
    except reports.ReceiptNotFound:
        return _receipt_not_found()
    return _status_page(thread, receipt)


def _receipt_not_found():
    return render_template(
        "public/follow_up.html",
        form=FollowUpForm(formdata=None),
        error="No report answers to that receipt. Check each character and try again.",
    ), 404


def _status_page(thread, receipt: str, *, status: int = 200, **extra):
    """The report's status, the reporter's own account and the conversation, by receipt.

    The receipt rides in the answer form's body.
    """
    code = receipts.normalise(receipt)
    try:
        account = reports.own_account(receipt, pepper=services().pepper)
    except reports.ReceiptNotFound:  # purged since the thread was read
        return _receipt_not_found()
    return render_template(
        "public/status.html",
        thread=thread,
        account=account,
        account_since=reports.OWN_ACCOUNT_SINCE_SCHEMA,
        receipt=receipts.format_receipt(code) if code else "",
        status_words=STATUS_WORDS.get(thread.status, thread.status),
        kind_name=KINDS.get(thread.kind, thread.kind),
        category=services().require_taxonomy().category(thread.kind, thread.category),
        answer_form=AnswerForm(formdata=None),
        max_chars=_max_message(),
        summaries=actions.summaries_for(thread.kind, thread.category, thread.period),
        **extra,
    ), status


def _max_message() -> int:
    return int(current_app.config["MAX_NARRATIVE_CHARS"])


@receipt_limit
def follow_up_answer():
    """The reporter's answer: review the de-identified text (edit, restore, recheck), send."""
    form = AnswerForm()
    form.validate()
    found = services()
    receipt = form.receipt.data or ""
    try:
        thread = conversation.thread_by_receipt(receipt, pepper=found.pepper)
    except reports.ReceiptNotFound:
        return _receipt_not_found()
    if not thread.can_answer:
        return _status_page(thread, receipt, status=400, error="This report is closed.")
    try:
        text = conversation.clean_message(form.message.data or "", max_chars=_max_message())
    except conversation.InvalidMessage as exc:
        error = f"Nothing was sent: {exc}."
        return _status_page(thread, receipt, status=400, error=error, answer_text=form.message.data)
    secret = current_app.config["SECRET_KEY"]
    nonce = session.setdefault("draft_nonce", secrets.token_urlsafe(16))
    notices: list[str] = []
    draft = drafts.open_draft(form.draft.data, secret, nonce) or drafts.Draft()
    result = found.scrubber.scrub(text, keep=draft.kept)
    draft = drafts.track(draft, result)
    text = result.text
    action = form.action.data or "review"
    if action == "restore":
        text, draft = drafts.restore(text, draft, set(form.restore.data or []))
    elif action == "send" and result.replacements:
        notices.append(
            "We replaced more identifying details in your changes. Check the text below, "
            "then send it."
        )
    elif action == "send":
        conversation.post_reporter_message(
            receipt,
            text,
            pepper=found.pepper,
            period=current_period(),
            scrubber=found.scrubber,
            max_chars=_max_message(),
            keep=draft.kept,
        )
        session.pop("draft_nonce", None)
        thread = conversation.thread_by_receipt(receipt, pepper=found.pepper)
        notice = "Your answer was sent. Reviewers read it with the next daily batch."
        return _status_page(thread, receipt, notice=notice)
    form.message.data = text
    form.draft.data = drafts.seal_draft(draft, secret, nonce)
    return render_template(
        "public/follow_up_review.html",
        form=form,
        receipt=receipts.format_receipt(receipts.normalise(receipt)),
        segments=drafts.marked(text, draft),
        draft=draft,
        restored=draft.kept,
        notices=notices,
    )
