"""Reviewers' internal notes on a report: sealed like narratives, never shown to the reporter.

Each note gets a fresh data key wrapped to the report's group key of the current generation
(``Note.sealed_gen``), bound to its report and note ids, so a database copy reads none and a
note moved to another report does not open. Notes carry the month, not a time. The caller
(triage.py) has checked the reviewer may see the report. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.models import Note, Report, ReviewGroup
from reporting.privacy import crypto, pinning
from reporting.privacy.keys import GroupKeys
from reporting.privacy.sanitise import clean_free_text
from reporting.review.threads import ThreadBusy, append_sealed

MAX_NOTE_CHARS = 10_000


class InvalidNote(Exception):
    """The note is empty or too long."""


@dataclass(frozen=True)
class NoteView:
    seq: int
    author: str
    period: str
    text: str | None  # None once retention has destroyed it


def note_context(note: Note) -> bytes:
    """Associated data binding a sealed note to its report and note."""
    return _context(note.report_id, note.id)


def _context(report_id: str, note_id: str) -> bytes:
    return f"report:{report_id}:note:{note_id}".encode("ascii")


def clean_note(text: str) -> str:
    if not isinstance(text, str) or len(text) > 20 * MAX_NOTE_CHARS:
        raise InvalidNote(f"a note must be at most {MAX_NOTE_CHARS:,} characters")
    cleaned = clean_free_text(text)
    if len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidNote(f"a note must be at most {MAX_NOTE_CHARS:,} characters")
    if not cleaned.strip():
        raise InvalidNote("the note is empty")
    return cleaned


def add_note(report: Report, author: str, text: str, *, period: str) -> NoteView:
    cleaned = clean_note(text)
    group = ReviewGroup.get_by_id(report.review_group_id)
    public = pinning.verified_public_key(group)

    def seal_under(note_id: str) -> dict[str, bytes]:
        context = _context(report.id, note_id)
        return {"body": crypto.seal(cleaned.encode("utf-8"), public, context)}

    try:
        seq = append_sealed(
            Note, report, seal_under, author=author, period=period, sealed_gen=group.key_gen
        )
    except ThreadBusy:
        raise InvalidNote("notes are busy on this report; add the note again") from None
    return NoteView(seq, author, period, cleaned)


def list_notes(report: Report, group_keys: GroupKeys) -> list[NoteView]:
    views = []
    for row in Note.select().where(Note.report == report.id).order_by(Note.seq):
        text = None
        if row.body is not None:
            private = group_keys.for_item(report.review_group_id, row.sealed_gen)
            text = crypto.open_sealed(row.body, private, note_context(row)).decode("utf-8")
        views.append(NoteView(row.seq, row.author, row.period, text))
    return views
