"""The anonymous conversation: reviewers' replies and reporters' answers, both sealed twice.

Each message body is sealed to the report's review group (as narratives are), and its data
key is sealed a second time to a key pair derived from the receipt: the private half is
HKDF(receipt, salt = report id + pepper), the public half is stored on the report
(``Report.reply_key``) when the receipt is last in hand, at filing or at a follow-up. So a
reviewer can reply without ever knowing the receipt, the reporter reads the whole thread
with the receipt alone, and a copy of the database with neither a reviewer's key, the
recovery key nor the receipt reads none of it.

Both directions are de-identified like narratives: reporter messages reach reviewers with
the next daily batch, and reviewers' replies reach the reporter at once, scrubbed here when
stored whatever preview the caller showed. No Flask here.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from reporting import submissions
from reporting.models import Message, Report, ReviewGroup
from reporting.privacy import crypto, pinning, receipts
from reporting.privacy.deid import Scrubber, ScrubResult
from reporting.privacy.keys import GroupKeys
from reporting.reports import ReceiptNotFound
from reporting.review.threads import ThreadBusy, append_sealed
from reporting.write_traces import reporter_write

RECEIPT_KEY_PURPOSE = receipts.RECEIPT_KEY_PURPOSE
REPORTER, REVIEWER = "reporter", "reviewer"
_NO_RECEIPT = "0" * receipts.LENGTH
_NO_REPORT = "0" * 32


class ConversationError(Exception):
    """A message cannot be sent; the message says why."""


class InvalidMessage(ConversationError):
    """The message text is empty or too long."""


class RepliesUnavailable(ConversationError):
    """The report has no receipt key yet (imported, or filed before replies existed)."""


class ReportClosed(ConversationError):
    """The report is closed: the reporter is asked to send a new report instead."""


@dataclass(frozen=True)
class MessageView:
    seq: int
    author: str  # reporter or reviewer
    period: str
    text: str | None  # None once retention has destroyed it

    def as_json(self) -> dict:
        return {"author": self.author, "period": self.period, "text": self.text}


@dataclass(frozen=True)
class ReporterThread:
    """What the receipt holder sees: the coded status and the whole conversation."""

    period: str
    kind: str
    category: str
    status: str
    messages: list[MessageView]

    @property
    def can_answer(self) -> bool:
        return self.status != "closed"


def message_context(message: Message) -> bytes:
    """Associated data binding a sealed message body to its report and message."""
    return _context(message.report_id, message.id)


def _context(report_id: str, message_id: str) -> bytes:
    return f"report:{report_id}:message:{message_id}".encode("ascii")


def _receipt_copy_context(report_id: str, message_id: str) -> bytes:
    return _context(report_id, message_id) + b":receipt"


receipt_private_key = receipts.receipt_private_key


# A sealed item that no receipt opens: the not-found path tries it, so an unknown or purged
# receipt costs what a real one does before the 404.
_DECOY_RECIPIENT = crypto.generate_keypair().public
_DECOY = crypto.seal(secrets.token_bytes(32), _DECOY_RECIPIENT, b"decoy")


def _found(receipt_text: str, pepper: bytes) -> tuple[Report, str, bytes]:
    """The live report a receipt names, its code and the reporter's private key.

    Unknown, malformed and purged receipts do the same work (one HMAC, one indexed query,
    one key derivation, one query of messages and one failed opening) and raise.
    """
    code = receipts.normalise(receipt_text)
    digest = receipts.receipt_digest(code or _NO_RECEIPT, pepper)
    report = Report.by_receipt_digest(digest)
    found = code is not None and report is not None and not report.purged
    report_id = report.id if found else _NO_REPORT
    private = receipt_private_key(code or _NO_RECEIPT, report_id, pepper)
    if not found:
        list(Message.select(Message.id).where(Message.report == _NO_REPORT))
        with contextlib.suppress(crypto.CryptoError):
            crypto.open_sealed(_DECOY, private, b"decoy")
        raise ReceiptNotFound()
    if report.reply_key is None:
        report.reply_key = crypto.public_key_of(private)
        Report.update(reply_key=report.reply_key).where(Report.id == report.id).execute()
    return report, code, private


def open_reply_channel(receipt: str, pepper: bytes) -> None:
    """Store a newly filed report's receipt public key, so reviewers can reply at once."""
    _found(receipt, pepper)


def thread_by_receipt(receipt_text: str, *, pepper: bytes) -> ReporterThread:
    """Status and every message of the report, opened with the receipt; ReceiptNotFound."""
    report, _code, private = _found(receipt_text, pepper)
    rows = Message.select().where(Message.report == report.id).order_by(Message.seq)
    return ReporterThread(
        period=report.period,
        kind=report.kind,
        category=report.category,
        status=report.status,
        messages=[_open_for_reporter(row, private) for row in rows],
    )


def _open_for_reporter(row: Message, private: bytes) -> MessageView:
    text = None
    if row.body is not None and row.receipt_wrapped_key is not None:
        data_key = crypto.open_sealed(
            row.receipt_wrapped_key, private, _receipt_copy_context(row.report_id, row.id)
        )
        text = crypto.open_with_data_key(row.body, data_key, message_context(row)).decode()
    return MessageView(row.seq, row.author, row.period, text)


def clean_message(text: str, *, max_chars: int) -> str:
    """The message as it will be scrubbed and stored; InvalidMessage when empty or too long."""
    if not isinstance(text, str):
        raise InvalidMessage("the message must be text")
    cleaned = submissions.clean_narrative(text, max_narrative=max_chars)
    if cleaned is None:
        raise InvalidMessage(f"the message must be at most {max_chars:,} characters")
    if not cleaned.strip():
        raise InvalidMessage("the message is empty")
    return cleaned


def post_reporter_message(
    receipt_text: str,
    text: str,
    *,
    pepper: bytes,
    period: str,
    scrubber: Scrubber,
    max_chars: int,
    keep: Iterable[str] = (),
) -> MessageView:
    """Scrub, seal and store the reporter's answer; reviewers see it after the next batch.

    Scrubbed here again whatever the caller showed, so nothing is stored unscrubbed except
    the words the reporter explicitly chose to keep.
    """
    report, _code, _private = _found(receipt_text, pepper)
    if report.status == "closed":
        raise ReportClosed("this report is closed; to raise something new, send a new report")
    scrubbed = scrubber.scrub(clean_message(text, max_chars=max_chars), keep=tuple(keep)).text
    with reporter_write():
        return _store(report, REPORTER, scrubbed, period, in_inbox=False)


def scrub_reply(text: str, *, scrubber: Scrubber, max_chars: int) -> ScrubResult:
    """A reviewer's reply as the reporter will read it: the preview and what is stored.

    Scrubbed like a narrative, with nothing kept: unlike a reporter, a reviewer cannot put a
    replaced word back, only rephrase. InvalidMessage when empty or too long.
    """
    return scrubber.scrub(clean_message(text, max_chars=max_chars))


def check_replies_open(report: Report) -> None:
    """RepliesUnavailable unless the report has a receipt key to seal replies to."""
    if report.reply_key is None:
        raise RepliesUnavailable(
            "this reporter cannot receive replies until they check back with their receipt"
        )


def post_reply(
    report: Report, text: str, *, period: str, scrubber: Scrubber, max_chars: int
) -> MessageView:
    """A reviewer's reply (the caller has checked access): the reporter sees it at once.

    Scrubbed again here, so a reply posted without its preview is stored scrubbed too.
    """
    check_replies_open(report)
    scrubbed = scrub_reply(text, scrubber=scrubber, max_chars=max_chars).text
    view = _store(report, REVIEWER, scrubbed, period, True)
    Report.update(feedback_given=True, reporter_replied=False).where(
        Report.id == report.id
    ).execute()
    return view


def _store(report: Report, author: str, text: str, period: str, in_inbox: bool) -> MessageView:
    group = ReviewGroup.get_by_id(report.review_group_id)
    public = pinning.verified_public_key(group)

    def seal_under(message_id: str) -> dict[str, bytes]:
        body, data_key = crypto.seal_returning_key(
            text.encode("utf-8"), public, _context(report.id, message_id)
        )
        receipt_copy = crypto.seal(
            data_key, report.reply_key, _receipt_copy_context(report.id, message_id)
        )
        return {"body": body, "receipt_wrapped_key": receipt_copy}

    try:
        seq = append_sealed(
            Message,
            report,
            seal_under,
            author=author,
            period=period,
            sealed_gen=group.key_gen,
            in_inbox=in_inbox,
        )
    except ThreadBusy:
        raise ConversationError("the conversation is busy; send the message again") from None
    return MessageView(seq, author, period, text)


def thread_for_reviewer(report: Report, group_keys: GroupKeys) -> list[MessageView]:
    """The messages reviewers may see (reporter messages from their batch on), opened."""
    rows = (
        Message.select()
        .where(Message.report == report.id, Message.in_inbox == True)  # noqa: E712
        .order_by(Message.seq)
    )
    views = []
    for row in rows:
        text = None
        if row.body is not None:
            private = group_keys.for_item(report.review_group_id, row.sealed_gen)
            text = crypto.open_sealed(row.body, private, message_context(row)).decode("utf-8")
        views.append(MessageView(row.seq, row.author, row.period, text))
    return views
