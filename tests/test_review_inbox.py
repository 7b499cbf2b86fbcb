"""Acceptance: the inbox's order, filters and flags, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime

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

from reporting.models import Report
from reporting.review import inbox, triage

FILED = [
    ("near-miss", "medication", "icu"),
    ("near-miss", "fall", "hdu"),
    ("moral-distress", "unsafe-staffing", "icu"),
    ("near-miss", "vte", "icu"),
    ("moral-distress", "cost-pressure", "hdu"),
    ("near-miss", "fall", "icu"),
]


def released_reviewer(app, client, clock, tmp_path, recovery_key_file, filed=FILED):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)
    for kind, category, unit in filed:
        file_report(client, kind=kind, category=category, unit=unit)
    next_batch_time(clock)
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    return reviewer


def rows_in_inbox_order(app, ids):
    with db(app):
        found = {r.id: r for r in Report.select().where(Report.id.in_(ids))}
    return [(found[i].status, found[i].category, found[i].kind, found[i].unit) for i in ids]


def test_the_inbox_sorts_by_status_then_category_whatever_the_filing_order(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    shuffled = FILED[:]
    random.Random(7).shuffle(shuffled)
    reviewer = released_reviewer(app, client, clock, tmp_path, recovery_key_file, shuffled)
    ids = inbox_ids(reviewer)
    assert len(ids) == len(FILED)
    with db(app):  # give some reports later statuses, out of filing order
        Report.update(status="closed").where(Report.category == "medication").execute()
        Report.update(status="in-review").where(Report.category == "cost-pressure").execute()
        hdu_near_misses = (Report.unit == "hdu") & (Report.kind == "near-miss")
        Report.update(status="acknowledged").where(hdu_near_misses).execute()
    order = rows_in_inbox_order(app, inbox_ids(reviewer))
    rank = list(triage.STATUSES)
    assert order == sorted(order, key=lambda row: (rank.index(row[0]), row[1], row[2], row[3]))
    assert [row[0] for row in order] == [
        "received", "received", "received", "acknowledged", "in-review", "closed",
    ]  # fmt: skip
    assert [row[1] for row in order[:3]] == ["fall", "unsafe-staffing", "vte"]


def test_filters_narrow_the_inbox_and_unknown_values_are_refused(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer = released_reviewer(app, client, clock, tmp_path, recovery_key_file)
    assert len(inbox_ids(reviewer, "?kind=moral-distress")) == 2
    assert len(inbox_ids(reviewer, "?category=fall")) == 2
    assert len(inbox_ids(reviewer, "?kind=near-miss&unit=icu")) == 3
    assert len(inbox_ids(reviewer, "?severity=unknown&status=received")) == 6
    assert inbox_ids(reviewer, "?status=closed") == []
    for query, field in (
        ("?kind=rumour", "kind"),
        ("?category=gossip", "category"),
        ("?kind=moral-distress&category=fall", "category"),
        ("?unit=mars", "unit"),
        ("?severity=apocalyptic", "severity"),
        ("?status=lost", "status"),
    ):
        response = reviewer.get("/review" + query)
        assert response.status_code == 400
        assert f"{field}:" in response.get_data(as_text=True)


def test_flags_unread_replied_and_overdue_are_computed_in_batches_and_months(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)
    receipt = file_report(client)
    file_report(client, category="fall")
    next_batch_time(clock)
    run_batch(app)

    def flags():
        reviewer = app.test_client()
        log_in(reviewer, "alice")
        with db(app):
            page = inbox.inbox(
                triage.Reviewer(reviewer_id(), "alice", frozenset({"default"})),
                inbox.InboxFilters(),
                current_period=clock.now.strftime("%Y-%m"),
                deadlines=inbox.Deadlines(7, 3),
            )
        return reviewer, {row.category: row for row in page.rows}

    def reviewer_id():
        from reporting.models import User

        return User.by_username("alice").id

    reviewer, rows = flags()
    assert rows["medication"].unread and not rows["medication"].reporter_replied
    assert not rows["medication"].overdue_acknowledge and not rows["medication"].overdue_feedback
    medication = rows["medication"].id
    reviewer.get(f"/review/{medication}")
    post_form(
        reviewer, f"/review/{medication}", f"/review/{medication}/status", status="acknowledged"
    )
    _, rows = flags()
    assert not rows["medication"].unread and rows["fall"].unread

    # Six more batches unacknowledged is not yet overdue; the seventh is.
    next_batch_time(clock, 6)
    run_batch(app)
    _, rows = flags()
    assert not rows["fall"].overdue_acknowledge
    next_batch_time(clock)
    run_batch(app)
    reviewer, rows = flags()
    assert rows["fall"].overdue_acknowledge and not rows["medication"].overdue_acknowledge
    assert "Overdue: acknowledge" in reviewer.get("/review").get_data(as_text=True)

    # The reporter answers: flagged, and unread again, from the next batch on.
    client.post("/api/v1/follow-up/messages", json={"receipt": receipt, "message": "More."})
    _, rows = flags()
    assert not rows["medication"].reporter_replied
    next_batch_time(clock)
    run_batch(app)
    reviewer, rows = flags()
    assert rows["medication"].reporter_replied and rows["medication"].unread
    assert "Reporter replied" in reviewer.get("/review").get_data(as_text=True)

    # Feedback: 2026-11 to 2027-01 is two whole months; 2027-02 is three.
    clock.now = datetime(2027, 1, 31, 12, tzinfo=UTC)
    run_batch(app)
    _, rows = flags()
    assert not rows["fall"].overdue_feedback
    clock.now = datetime(2027, 2, 1, 12, tzinfo=UTC)
    reviewer, rows = flags()
    assert rows["fall"].overdue_feedback and rows["medication"].overdue_feedback
    page, reply = f"/review/{medication}", f"/review/{medication}/reply"
    post_form(reviewer, page, reply, text="Done.", action="send")
    _, rows = flags()
    assert not rows["medication"].overdue_feedback and not rows["medication"].reporter_replied
