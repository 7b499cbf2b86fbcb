"""Retention and legal hold: purged content is gone from the disk, held content and numbers stay.

Every test runs on SQLite and on PostgreSQL. The byte scans look for pieces of the stored
ciphertexts (a narrative, a note, a message and its receipt-wrapped key) in the SQLite file
and its write-ahead log, or in a pg_dump, as tests/test_anonymity.py does.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from helpers import add_reports, narratives_opened_with
from test_anonymity import files_under, pg_dump

from reporting import reports
from reporting.db import database
from reporting.models import (
    AuditEntry,
    Housekeeping,
    LegalHold,
    Message,
    Note,
    Release,
    ReleasedCell,
    Report,
    ReviewGroup,
)
from reporting.privacy import crypto, receipts
from reporting.review import conversation, notes, retention
from reporting.web.auditing import audit

SETTINGS = retention.RetentionSettings()
CLOSED_ON = date(2026, 10, 6)
# More than RETENTION_DAYS_AFTER_CLOSING (365) days after CLOSED_ON, in London.
PURGE_AT = datetime(2027, 10, 8, 12, tzinfo=UTC)
CHUNK = 16


def file_report(client, text: str, **fields) -> str:
    body = {"kind": "near-miss", "category": "fall", "unit": "icu", "narrative": text, **fields}
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["receipt"]


def report_of(app, receipt: str) -> Report:
    pepper = app.extensions["reporting"].pepper
    digest = receipts.receipt_digest(receipts.normalise(receipt), pepper)
    with database.connection_context():
        found = Report.by_receipt_digest(digest)
    assert found is not None
    return found


def add_note_and_message(client, report: Report, receipt: str) -> list[bytes]:
    """A sealed note (stored with the models and crypto) and a reviewer's reply to the reporter.

    The reply goes through the conversation's own verb, so the reporter's follow-up can open
    it; the reporter's receipt key is stored by a follow-up, as in the app.
    """
    assert client.post("/api/v1/follow-up", json={"receipt": receipt}).status_code == 200
    with database.connection_context():
        report = Report.get_by_id(report.id)
        group = ReviewGroup.get_by_id(report.review_group_id)
        note_id = secrets.token_hex(16)
        note_body = crypto.seal(
            b"Internal note: staffing rota checked with the ward manager.",
            group.public_key,
            notes.note_context(Note(id=note_id, report=report.id)),
        )
        Note.create(
            id=note_id,
            report=report.id,
            seq=1,
            author="reviewer",
            period=report.period,
            body=note_body,
            sealed_gen=group.key_gen,
        )
        conversation.post_reply(
            report,
            "Thank you: we have changed how falls are reviewed on this unit.",
            period=report.period,
            scrubber=client.application.extensions["reporting"].scrubber,
            max_chars=2000,
        )
        message = Message.get(Message.report == report.id)
    return [note_body, message.body, message.receipt_wrapped_key]


def chunks(blob: bytes) -> list[bytes]:
    return [blob[i : i + CHUNK] for i in range(0, len(blob) - CHUNK + 1, CHUNK)]


def stored_bytes(instance_dir, database_url) -> bytes:
    """Everything on disk that holds the data: the SQLite file and its log, or a pg_dump."""
    if database_url:
        return pg_dump(database_url)
    return b"".join(files_under(instance_dir).values())


def found_pieces(blob: bytes, data: bytes, database_url) -> int:
    """How many of the blob's 16-byte pieces occur in data (as hex in a pg_dump's bytea)."""
    pieces = chunks(blob)
    if database_url:
        return sum(piece.hex().encode() in data for piece in pieces)
    return sum(piece in data for piece in pieces)


def close_reports(*report_ids: str, on: date = CLOSED_ON) -> None:
    with database.connection_context():
        Report.update(status="closed", closed_on=on).where(Report.id.in_(report_ids)).execute()


def released_snapshot() -> tuple[list, list]:
    with database.connection_context():
        cells = sorted(
            (c.period, c.org, c.kind, c.category, c.role, c.severity, c.value)
            for c in ReleasedCell.select()
        )
        months = [
            (r.month, r.cells_published, r.cells_hidden, r.hidden_at_least_k, r.month_cells)
            for r in Release.select().order_by(Release.month)
        ]
    return cells, months


def test_purge_destroys_content_on_disk_keeps_held_content_and_every_released_number(
    released, client, runner, clock, instance_dir, database_url, recovery_key_file
):
    app = released
    assert runner.invoke(args=["release"]).exit_code == 0
    before = released_snapshot()
    assert before[0], "no released cells to compare"

    purged_receipt = file_report(client, "A nurse caught a double dose of insulin at handover.")
    held_receipt = file_report(client, "The bed alarm was switched off and a patient nearly fell.")
    add_reports("2026-10", "theatres", "near-miss", "fall", 6)
    purged, held = report_of(app, purged_receipt), report_of(app, held_receipt)
    purged_blobs = [
        purged.narrative,
        purged.narrative_receipt_key,
        *add_note_and_message(client, purged, purged_receipt),
    ]
    held_blobs = [held.narrative, *add_note_and_message(client, held, held_receipt)]
    close_reports(purged.id, held.id)

    with app.app_context(), database.connection_context():
        retention.add_hold(held.id, "Coroner's request 2027/114", PURGE_AT, record=audit)
        result = retention.purge(PURGE_AT, SETTINGS, record=audit)
    assert (result.purged, result.held) == (1, 1)

    # ---- the purged report's content is gone from every byte on disk ----------------------
    data = stored_bytes(instance_dir, database_url)
    for blob in purged_blobs:
        assert found_pieces(blob, data, database_url) == 0
    for blob in held_blobs:
        assert found_pieces(blob, data, database_url) == len(chunks(blob))
    if not database_url:
        assert (instance_dir / "reporting.db-wal").exists()  # the log was scanned too

    # ---- rows: content gone, coded fields kept; the held report opens as before -----------
    with database.connection_context():
        row = Report.get_by_id(purged.id)
        assert row.purged and row.narrative is None and row.reply_key is None
        assert purged.narrative_receipt_key is not None and row.narrative_receipt_key is None
        assert (row.period, row.kind, row.category, row.unit) == (
            "2026-10",
            "near-miss",
            "fall",
            "icu",
        )
        assert row.receipt_digest != purged.receipt_digest
        assert Note.select().where(Note.report == purged.id).count() == 0
        assert Message.select().where(Message.report == purged.id).count() == 0
        assert Note.select().where(Note.report == held.id).count() == 1
        assert Message.select().where(Message.report == held.id).count() == 1
    opened = narratives_opened_with(recovery_key_file)
    assert opened[held.id] == "The bed alarm was switched off and a patient nearly fell."
    assert opened[purged.id] == ""

    # ---- the purged receipt answers like one never issued; the held one still works --------
    gone = client.post("/api/v1/follow-up", json={"receipt": purged_receipt})
    assert gone.status_code == 404
    assert gone.get_json()["error"]["code"] == "receipt_not_found"
    kept = client.post("/api/v1/follow-up", json={"receipt": held_receipt})
    assert kept.status_code == 200
    assert [m["text"] for m in kept.get_json()["messages"]] == [
        "Thank you: we have changed how falls are reviewed on this unit."
    ]

    # ---- released numbers are unchanged, and the next release still counts the report -----
    assert released_snapshot() == before
    clock.now = datetime(2026, 11, 5, 12, tzinfo=UTC)
    built = runner.invoke(args=["release"])
    assert "released 2026-10" in built.output, built.output
    with database.connection_context():
        october = ReleasedCell.get(
            (ReleasedCell.period == "2026-10")
            & (ReleasedCell.org == "*")
            & (ReleasedCell.kind == "near-miss")
            & (ReleasedCell.category == "fall")
            & (ReleasedCell.role == "*")
            & (ReleasedCell.severity == "*")
        )
    assert october.value == 8  # the purged report, the held one and six more
    after_cells, after_months = released_snapshot()
    assert set(before[0]) <= set(after_cells)  # the new release added cells, changed none
    assert after_months[: len(before[1])] == before[1]


def test_a_hold_on_everything_protects_every_report_until_removed(
    app, client, instance_dir, database_url, recovery_key_file
):
    receipts_filed = [
        file_report(client, "Wrong patient label on a blood sample, caught at the bedside."),
        file_report(client, "Syringe driver set to the wrong rate, caught by a student."),
    ]
    found = [report_of(app, r) for r in receipts_filed]
    blobs = [r.narrative for r in found]
    close_reports(*(r.id for r in found))

    with app.app_context(), database.connection_context():
        hold = retention.add_hold(
            None, "Public inquiry: preserve everything", PURGE_AT, record=audit
        )
        result = retention.purge(PURGE_AT, SETTINGS, record=audit)
    assert (result.purged, result.held) == (0, 2)
    data = stored_bytes(instance_dir, database_url)
    assert all(found_pieces(b, data, database_url) == len(chunks(b)) for b in blobs)
    assert all(narratives_opened_with(recovery_key_file)[r.id] for r in found)

    with app.app_context(), database.connection_context():
        retention.remove_hold(hold.id, record=audit)
        result = retention.purge(PURGE_AT, SETTINGS, record=audit)
    assert (result.purged, result.held) == (2, 0)
    data = stored_bytes(instance_dir, database_url)
    assert all(found_pieces(b, data, database_url) == 0 for b in blobs)


def test_which_reports_are_due(app):
    today = date(2026, 11, 14)
    add_reports("2026-01", "icu", "near-miss", "fall", 4)
    add_reports("2023-10", "icu", "near-miss", "fall", 1)
    add_reports("2023-11", "icu", "near-miss", "fall", 1)
    with database.connection_context():
        rows = list(Report.select())
        closed_365, closed_366, *never_closed = [r.id for r in rows if r.period == "2026-01"]
        unclosed_old = next(r.id for r in rows if r.period == "2023-10")
        unclosed_new = next(r.id for r in rows if r.period == "2023-11")
        for report_id, days in ((closed_365, 365), (closed_366, 366)):
            Report.update(closed_on=today - timedelta(days=days)).where(
                Report.id == report_id
            ).execute()

        def due_on(day: date) -> set[str]:
            query = Report.select(Report.id).where(retention.due_condition(day, SETTINGS))
            return {r.id for r in query}

        assert due_on(today) == {closed_366, unclosed_old}
        assert closed_365 in due_on(today + timedelta(days=1))
        # A month ends on the first day of the next; due once more than 1,095 days have passed.
        for report_id, ended in (
            (unclosed_old, date(2023, 11, 1)),
            (unclosed_new, date(2023, 12, 1)),
        ):
            assert report_id not in due_on(ended + timedelta(days=1095))
            assert report_id in due_on(ended + timedelta(days=1096))
        assert not set(never_closed) & due_on(date(2029, 1, 31))
        assert set(never_closed) <= due_on(date(2029, 2, 1))
        # Purged reports are never due again.
        Report.update(purged=True).where(Report.id == closed_366).execute()
        assert due_on(today) == {unclosed_old}


def test_purge_works_in_batches_and_dry_run_changes_nothing(app, monkeypatch):
    add_reports("2020-01", "icu", "near-miss", "fall", 5)
    monkeypatch.setattr(retention, "PURGE_BATCH", 2)
    with app.app_context(), database.connection_context():
        dry = retention.purge(PURGE_AT, SETTINGS, dry_run=True, record=audit)
        assert (dry.purged, dry.held, dry.dry_run) == (5, 0, True)
        assert Report.select().where(Report.purged == True).count() == 0  # noqa: E712
        result = retention.purge(PURGE_AT, SETTINGS, record=audit)
        assert result.purged == 5
        assert Report.select().where(Report.purged == True).count() == 5  # noqa: E712
        assert retention.purge(PURGE_AT, SETTINGS, record=audit).purged == 0


def test_purge_if_due_runs_once_a_day(app):
    add_reports("2020-01", "icu", "near-miss", "fall", 2)
    first_day = datetime(2026, 11, 14, 1, 0, tzinfo=UTC)
    with app.app_context(), database.connection_context():
        result = retention.purge_if_due(first_day, SETTINGS, record=audit)
        assert result is not None and result.purged == 2
        assert Housekeeping.get_by_id("purge").last_run == date(2026, 11, 14)
        add_reports("2020-02", "icu", "near-miss", "fall", 1)
        assert (
            retention.purge_if_due(first_day + timedelta(hours=22), SETTINGS, record=audit) is None
        )
        assert Report.select().where(Report.purged == False).count() == 1  # noqa: E712
        # The next day in London: it runs again; the app's config works as settings too.
        result = retention.purge_if_due(first_day + timedelta(days=1), app.config, record=audit)
        assert result is not None and result.purged == 1
        assert Housekeeping.get_by_id("purge").last_run == date(2026, 11, 15)
        assert (
            retention.purge_if_due(first_day + timedelta(days=1, hours=2), app.config, record=audit)
            is None
        )
        actors = [e.actor for e in AuditEntry.select().where(AuditEntry.action == "purge")]
    assert actors == ["schedule", "schedule"]


def test_a_purged_report_is_not_found_by_its_receipt_even_with_its_digest(app, client):
    receipt = file_report(client, "")
    found = report_of(app, receipt)
    with database.connection_context():
        Report.update(purged=True).where(Report.id == found.id).execute()
        with pytest.raises(reports.ReceiptNotFound):
            reports.status_by_receipt(receipt, pepper=app.extensions["reporting"].pepper)


def test_hold_and_purge_commands(app, client, runner):
    receipt = file_report(client, "A pump was programmed in mg instead of mcg and caught.")
    report = report_of(app, receipt)
    close_reports(report.id, on=date(2020, 1, 1))

    for args, message in (
        (["hold", "add", "--reason", "x"], "exactly one of --report ID or --all"),
        (["hold", "add", "--all", "--report", report.id, "--reason", "x"], "exactly one"),
        (["hold", "add", "--report", "nope", "--reason", "x"], "no report has the id"),
        (["hold", "add", "--report", report.id, "--reason", "  "], "give a reason"),
        (["hold", "remove", "0123456789abcdef"], "no legal hold has the id"),
    ):
        refused = runner.invoke(args=args)
        assert refused.exit_code != 0 and message in refused.output, refused.output
    assert runner.invoke(args=["hold", "list"]).output.strip() == "no legal holds"

    added = runner.invoke(args=["hold", "add", "--report", report.id, "--reason", "HR case 12"])
    assert added.exit_code == 0, added.output
    with database.connection_context():
        hold_id = LegalHold.get().id
    listed = runner.invoke(args=["hold", "list"]).output
    assert hold_id in listed and report.id in listed and "HR case 12" in listed

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "would purge 0 report(s); 1 held back" in dry.output, dry.output
    assert runner.invoke(args=["purge"]).output.startswith("purged 0 report(s); 1 held back")

    removed = runner.invoke(args=["hold", "remove", hold_id])
    assert removed.exit_code == 0 and f"hold {hold_id} removed" in removed.output
    assert (
        "would purge 1 report(s); 0 held back" in runner.invoke(args=["purge", "--dry-run"]).output
    )
    assert runner.invoke(args=["purge"]).output.startswith("purged 1 report(s); 0 held back")
    with database.connection_context():
        assert Report.get_by_id(report.id).purged
        actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.seq)]
    assert [a for a in actions if a in ("hold-add", "hold-remove", "purge")] == [
        "hold-add",
        "purge",
        "hold-remove",
        "purge",
    ]


def test_backup_expiry_follows_the_shorter_retention():
    assert retention.expiry_for_backup(date(2026, 11, 14)) == date(2027, 11, 14)
    short = retention.RetentionSettings(days_after_closing=400, days_unclosed=30)
    assert retention.expiry_for_backup(date(2026, 11, 14), short) == date(2026, 12, 14)
