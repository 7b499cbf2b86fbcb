"""Domain verbs for reports: file a checked submission, look up its status by receipt.

What a submission may hold, and its checks, is `submissions`. This is the one place where
crypto meets the models. The web and API blueprints call these
verbs and never touch report rows themselves.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from peewee import IntegrityError

from reporting.db import database
from reporting.group_commit import write_together
from reporting.models import Report, ReviewGroup
from reporting.privacy import crypto, pinning, receipts
from reporting.privacy.deid import Scrubber
from reporting.submissions import Submission
from reporting.writer import client as writer_client


class ReceiptNotFound(Exception):
    """No report answers to this receipt (never filed, mistyped or purged: all look alike)."""


@dataclass(frozen=True)
class FiledReport:
    receipt: str
    period: str
    narrative: str


@dataclass(frozen=True)
class ReportStatus:
    period: str
    kind: str
    category: str
    status: str


def narrative_context(report_id: str) -> bytes:
    """Associated data binding a sealed narrative to its report."""
    return b"report:" + report_id.encode("ascii") + b":narrative"


def _narrative_copy_context(report_id: str) -> bytes:
    return narrative_context(report_id) + b":receipt"


# Reports filed from this schema on carry a copy of their narrative's key for the receipt.
OWN_ACCOUNT_SINCE_SCHEMA = 10


@dataclass(frozen=True)
class OwnAccount:
    """The reporter's account as the review team reads it (de-identified), by receipt.

    ``text`` is None when nothing was written (``written`` false) or when the report was
    filed before its account could be opened with the receipt.
    """

    written: bool
    text: str | None


@dataclass(frozen=True)
class SealingKey:
    """What filing needs to seal for a group: its name, key generation and public key."""

    group: str
    gen: int
    public: bytes


def sealing_key(group: str = "default") -> SealingKey:
    """The group's key to seal to; `pinning.UnverifiedGroupKey` if its signature fails."""
    row = ReviewGroup.sealing_columns(group)
    return SealingKey(row.name, row.key_gen, pinning.verified_public_key(row))


def group_for(kind: str, routes: Mapping[str, str] | None) -> str:
    """The review group that reads a kind of report (config REVIEW_GROUPS)."""
    return (routes or {}).get(kind, "default")


def file_report(
    submission: Submission,
    *,
    period: str,
    pepper: bytes,
    scrubber: Scrubber,
    key: SealingKey | None = None,
    routes: Mapping[str, str] | None = None,
) -> FiledReport:
    """Scrub, seal and store one report; returns the receipt, shown once and never stored.

    The narrative is scrubbed here again whatever the caller did before, so nothing reaches
    the database unscrubbed except what the reporter explicitly chose to keep.
    """
    narrative = ""
    if submission.narrative:
        narrative = scrubber.scrub(submission.narrative, keep=submission.keep).text
    key = key or sealing_key(group_for(submission.kind, routes))
    for _attempt in range(3):
        report_id = crypto.random_bytes(16).hex()
        receipt = receipts.new_receipt()
        code = receipts.normalise(receipt)
        digest = receipts.receipt_digest(code, pepper)
        # The reporter can read their account again with the receipt: one HKDF and one
        # AES-GCM of 32 bytes more than sealing it, no key agreement.
        reader = functools.partial(receipts.narrative_copy_key, code, report_id, pepper)
        # Reviewers can reply at once, sealing to the receipt's key pair for this report,
        # which only the receipt opens; the narrative is wrapped with that key pair
        # instead of an ephemeral one (it is as new and used once), which saves a scalar
        # multiplication, and the envelope carries its public half.
        own = receipts.receipt_private_key(code, report_id, pepper)
        row = _report_row(report_id, period, submission, key, digest, narrative, reader, own)
        if row["narrative"] is None:
            row["reply_key"] = crypto.public_key_of(own)
        else:
            row["reply_key"] = crypto.sender_public(row["narrative"])
        try:
            here = functools.partial(write_together, functools.partial(Report.insert_row, **row))
            writer_client.store("report", row, here)
        except IntegrityError:  # a 128-bit id or 80-bit receipt collided: draw again
            continue
        return FiledReport(receipt=receipt, period=period, narrative=narrative)
    raise RuntimeError("could not draw a unique report id and receipt")


def store_prepared(
    items: Iterable[tuple[str, Submission]],
    *,
    pepper: bytes,
    routes: Mapping[str, str] | None = None,
    in_inbox: bool = True,
) -> int:
    """Seal and insert many validated, already scrubbed reports at once; returns how many.

    For synthetic and bulk data only (the demo): narratives are stored as given, so the
    caller must have scrubbed them, and no receipt is returned (nobody holds one). Each row
    still gets a random id, a receipt digest and a narrative sealed like `file_report`'s.
    """
    keys: dict[str, SealingKey] = {}
    rows = []
    for period, submission in items:
        group = group_for(submission.kind, routes)
        key = keys.get(group) or keys.setdefault(group, sealing_key(group))
        report_id = secrets.token_hex(16)
        digest = receipts.receipt_digest(receipts.normalise(receipts.new_receipt()), pepper)
        row = _report_row(report_id, period, submission, key, digest, submission.narrative)
        rows.append({**row, "in_inbox": in_inbox})
    with database.atomic():
        for start in range(0, len(rows), 500):
            Report.insert_many(rows[start : start + 500]).execute()
    return len(rows)


def _report_row(
    report_id: str,
    period: str,
    submission: Submission,
    key: SealingKey,
    receipt_digest: str,
    narrative: str | None,
    reader: Callable[[bytes], bytes] | None = None,
    sender: bytes | None = None,
) -> dict[str, Any]:
    """The stored row of one report: coded fields as given, the narrative sealed to the group.

    The one place a report's columns are written, for live filing and for bulk data alike,
    so no path can store a field the other leaves out (or a narrative unsealed). ``reader``
    gives the receipt holder's key for a sealed narrative's nonce; with it, the narrative's
    data key is also sealed under that key (only live filing has a receipt in hand).
    ``sender`` is the private key to wrap the narrative with (the receipt's key pair),
    instead of an ephemeral one.
    """
    sealed = copy = None
    if narrative:
        sealed, data_key = crypto.seal_returning_key(
            narrative.encode("utf-8"), key.public, narrative_context(report_id), sender
        )
        if reader is not None:
            copy = crypto.encrypt_with_secret(
                data_key, reader(crypto.item_nonce(sealed)), _narrative_copy_context(report_id)
            )
    return {
        "id": report_id,
        "period": period,
        "kind": submission.kind,
        "category": submission.category,
        "unit": submission.unit,
        "role": submission.role,
        "intensity": submission.intensity,
        "distress_type": submission.distress_type,
        "stopped_by": submission.stopped_by,
        "potential_harm": submission.potential_harm,
        "severity": submission.severity,
        "review_group": key.group,
        "receipt_digest": receipt_digest,
        "narrative": sealed,
        "narrative_receipt_key": copy,
        "sealed_gen": key.gen,
    }


# A fixed code for unusable input, so every lookup costs one HMAC and one indexed query.
_NO_RECEIPT = "0" * receipts.LENGTH


def status_by_receipt(receipt_text: str, *, pepper: bytes) -> ReportStatus:
    code = receipts.normalise(receipt_text)
    digest = receipts.receipt_digest(code or _NO_RECEIPT, pepper)
    report = Report.by_receipt_digest(digest)
    if code is None or report is None or report.purged:
        raise ReceiptNotFound()
    return ReportStatus(
        period=report.period, kind=report.kind, category=report.category, status=report.status
    )


def own_account(receipt_text: str, *, pepper: bytes) -> OwnAccount:
    """The account of the report this receipt names, opened with the receipt alone.

    For a receipt already found (the follow-up page): unknown and purged ones raise
    ReceiptNotFound like `status_by_receipt`.
    """
    code = receipts.normalise(receipt_text)
    digest = receipts.receipt_digest(code or _NO_RECEIPT, pepper)
    report = Report.by_receipt_digest(digest)
    if code is None or report is None or report.purged:
        raise ReceiptNotFound()
    if report.narrative is None:
        return OwnAccount(written=False, text=None)
    if report.narrative_receipt_key is None:
        return OwnAccount(written=True, text=None)
    sealed = bytes(report.narrative)
    secret = receipts.narrative_copy_key(code, report.id, pepper, crypto.item_nonce(sealed))
    data_key = crypto.decrypt_with_secret(
        bytes(report.narrative_receipt_key), secret, _narrative_copy_context(report.id)
    )
    text = crypto.open_with_data_key(sealed, data_key, narrative_context(report.id))
    return OwnAccount(written=True, text=text.decode("utf-8"))


def open_narrative(report: Report, private_key: bytes) -> str:
    """The de-identified narrative of a report, for reviewers holding the group's key."""
    if report.narrative is None:
        return ""
    return crypto.open_sealed(
        bytes(report.narrative), private_key, narrative_context(report.id)
    ).decode("utf-8")
