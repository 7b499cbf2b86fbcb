"""Acceptance: the inbox's order, filters and flags, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, datetime

import pytest
from review_support import (
    REPORT_LINK,
    add_staff,
    db,
    file_report,
    inbox_ids,
    log_in,
    next_batch_time,
    post_form,
    run_batch,
)

from reporting import submissions
from reporting.db import database
from reporting.models import Report, User
from reporting.review import inbox, triage
from reporting.taxonomy import SEVERITIES

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
    order = rows_in_inbox_order(app, inbox_ids(reviewer, "?status=all"))
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
    for query, sentence in (
        ("?kind=rumour", "Kind: choose Near-miss or Moral distress."),
        ("?category=gossip", "Category: there is no category “gossip”."),
        ("?kind=moral-distress&category=fall", "there is no moral distress category “fall”."),
        ("?unit=mars", "Unit: there is no unit or department “mars”."),
        ("?severity=apocalyptic", "Severity: choose Low, Moderate, High or Unknown."),
        ("?potential_harm=dire", "Potential harm: choose No harm, Mild harm,"),
        ("?kind=moral-distress&potential_harm=mild", "only near-misses record it"),
        ("?status=lost", "Status: choose Open, Received, Acknowledged,"),
        ("?sort=arrival", "Sort by: choose Status, then category,"),
        ("?q=" + "x" * 101, "Search: use at most 100 characters."),
    ):
        response = reviewer.get("/review" + query)
        assert response.status_code == 400, query
        assert sentence in html.unescape(response.get_data(as_text=True)), query


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


GRADED = [  # (kind, category, unit, coded fields): severities high, moderate, low, unknown
    ("near-miss", "medication", "icu", {"potential_harm": "death"}),
    ("near-miss", "fall", "hdu", {"potential_harm": "mild"}),
    ("near-miss", "fall", "surgical-ward-4", {"potential_harm": "severe"}),
    ("near-miss", "vte", "ward-7b", {}),
    ("near-miss", "infection", "icu", {"potential_harm": "moderate"}),
    ("moral-distress", "unsafe-staffing", "icu", {"intensity": 9}),
    ("moral-distress", "cost-pressure", "labour-ward", {"intensity": 2}),
]


def graded_reviewer(app, client, clock, tmp_path, recovery_key_file):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    run_batch(app)
    for kind, category, unit, fields in GRADED:
        file_report(client, kind=kind, category=category, unit=unit, **fields)
    next_batch_time(clock)
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    return reviewer


def coded(app, ids, *names):
    with db(app):
        found = {r.id: r for r in Report.select().where(Report.id.in_(ids))}
    return [tuple(getattr(found[i], name) for name in names) for i in ids]


def tab_counts(page: str) -> dict[str, int]:
    nav = page[page.index('id="status-tabs"') : page.index("</nav>", page.index("status-tabs"))]
    return {
        label: int(count)
        for label, count in re.findall(r'>([A-Z][a-z ]+) <span class="tab-count">(\d+)<', nav)
    }


def test_sorting_by_severity_or_potential_harm_puts_the_worst_first(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer = graded_reviewer(app, client, clock, tmp_path, recovery_key_file)
    by_severity = coded(app, inbox_ids(reviewer, "?sort=severity"), "severity", "category")
    assert [s for s, _ in by_severity] == [
        "high", "high", "high", "moderate", "low", "low", "unknown",
    ]  # fmt: skip
    assert [c for s, c in by_severity if s == "high"] == ["fall", "medication", "unsafe-staffing"]
    by_harm = coded(app, inbox_ids(reviewer, "?sort=harm"), "potential_harm")
    assert [h for (h,) in by_harm] == ["death", "severe", "moderate", "mild", None, None, None]
    with db(app):  # a later status comes after, within the same severity
        Report.update(status="in-review").where(Report.category == "fall").execute()
    by_severity = coded(app, inbox_ids(reviewer, "?sort=severity"), "severity", "status")
    assert by_severity[:3] == [("high", "received"), ("high", "received"), ("high", "in-review")]


def test_filters_by_potential_harm_and_severity(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer = graded_reviewer(app, client, clock, tmp_path, recovery_key_file)
    (severe,) = coded(app, inbox_ids(reviewer, "?potential_harm=severe"), "unit")
    assert severe == ("surgical-ward-4",)
    assert len(inbox_ids(reviewer, "?severity=high")) == 3
    assert len(inbox_ids(reviewer, "?severity=high&kind=moral-distress")) == 1
    assert inbox_ids(reviewer, "?potential_harm=none") == []
    assert len(inbox_ids(reviewer, "?potential_harm=severe&sort=severity")) == 1
    assert len(inbox_ids(reviewer, "?potential_harm=mild&sort=harm&kind=near-miss")) == 1
    assert len(inbox_ids(reviewer, "?potential_harm=moderate")) == 1
    assert len(inbox_ids(reviewer, "?sort=harm&kind=moral-distress")) == 2
    assert len(inbox_ids(reviewer, "?sort=harm&kind=near-miss")) == 5


def test_search_matches_category_unit_and_department_names(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer = graded_reviewer(app, client, clock, tmp_path, recovery_key_file)

    def units(q: str) -> list[str]:
        return sorted(unit for (unit,) in coded(app, inbox_ids(reviewer, "?q=" + q), "unit"))

    assert units("fall") == ["hdu", "surgical-ward-4"]  # a category's name
    assert units("ward+4") == ["surgical-ward-4"]  # every word must match
    assert units("Ward") == ["labour-ward", "surgical-ward-4", "ward-7b"]
    assert units("critical+care") == ["hdu", "icu", "icu", "icu"]  # a department's units
    assert units("icu+staffing") == ["icu"]
    assert units("fall&unit=hdu") == ["hdu"]
    response = reviewer.get("/review?q=fall+zebra")
    assert response.status_code == 200 and REPORT_LINK.findall(response.text) == []
    assert "No category, unit or department has “zebra” in its name." in response.text


def test_open_reports_by_default_with_a_count_for_every_status_tab(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer = released_reviewer(app, client, clock, tmp_path, recovery_key_file)
    assert len(inbox_ids(reviewer)) == 6  # the day's batch, run by this first look
    with db(app):
        Report.update(status="closed").where(Report.category == "medication").execute()
        Report.update(status="in-review").where(Report.category == "fall").execute()
    file_report(client, category="blood-product")  # after the batch: not yet for reviewers
    page = reviewer.get("/review").text
    assert len(REPORT_LINK.findall(page)) == 5
    assert tab_counts(page) == {
        "Open": 5, "Received": 3, "Acknowledged": 0, "In review": 2, "Referred": 0,
        "Action taken": 0, "No further action": 0, "Closed": 1, "All": 6,
    }  # fmt: skip
    assert '<a href="/review?status=open" aria-current="page">Open' in page
    assert len(inbox_ids(reviewer, "?status=closed")) == 1
    assert len(inbox_ids(reviewer, "?status=all")) == 6

    near_misses = reviewer.get("/review?kind=near-miss&sort=severity&status=closed").text
    assert tab_counts(near_misses)["All"] == 4 and tab_counts(near_misses)["Open"] == 3
    assert 'href="/review?kind=near-miss&amp;status=in-review&amp;sort=severity"' in near_misses
    assert 'aria-current="page">Closed' in near_misses
    assert '<input type="hidden" name="status" value="closed">' in near_misses


def test_pages_follow_the_sort_across_buckets_without_overlap(
    backend, app, client, clock, tmp_path, recovery_key_file, monkeypatch
):
    reviewer = graded_reviewer(app, client, clock, tmp_path, recovery_key_file)
    whole = inbox_ids(reviewer, "?sort=harm")
    monkeypatch.setattr(inbox, "PER_PAGE", 2)
    paged = [i for n in (1, 2, 3, 4) for i in inbox_ids(reviewer, f"?sort=harm&page={n}")]
    assert paged == whole and len(set(paged)) == len(GRADED)
    last = reviewer.get("/review?sort=harm&page=4").text
    assert "Page 4 of 4" in last and 'href="/review?sort=harm&amp;page=3"' in last


def test_a_bad_argument_is_named_and_the_others_still_apply(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    reviewer = graded_reviewer(app, client, clock, tmp_path, recovery_key_file)
    response = reviewer.get("/review?kind=near-miss&unit=mars&page=many")
    assert response.status_code == 400
    assert "Unit: there is no unit or department “mars”." in response.text
    assert len(REPORT_LINK.findall(response.text)) == 5  # the near-misses, unit left out
    assert 'href="#filter-unit"' in response.text


def query_plans(app, filters) -> list[str]:
    """SQLite's plan of every query one inbox page ran, for alice (SQLite only)."""
    ran: list[tuple[str, tuple]] = []
    execute = type(database.obj).execute_sql

    def recording(self, sql, params=None, *args, **kwargs):
        ran.append((sql, tuple(params or ())))
        return execute(self, sql, params, *args, **kwargs)

    with db(app):
        reviewer = User.by_username("alice")
        type(database.obj).execute_sql = recording
        try:
            inbox.inbox(
                triage.Reviewer(reviewer.id, "alice", frozenset({"default"})),
                filters,
                current_period="2026-11",
                deadlines=inbox.Deadlines(7, 3),
            )
        finally:
            type(database.obj).execute_sql = execute
        return [
            " | ".join(
                ("" if parent == 0 else "  ") + detail  # a subquery's steps are indented
                for _id, parent, _unused, detail in database.execute_sql(
                    "EXPLAIN QUERY PLAN " + sql, p
                )
            )
            for sql, p in ran
            if '"report" AS' in sql
        ]


def test_page_queries_walk_the_report_inbox_index_and_never_scan_the_reports(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    """SQLite's plans: by status or severity, the page's ids come from the report_inbox index
    alone, walked in order (only ties on its columns are sorted, by id: "FOR RIGHT PART OF
    ORDER BY"), then only those rows are read, by primary key, and the page sorted; by
    potential harm, which the index lacks, the index narrows to a severity first and only
    those rows are read. No query scans the table.

    (PostgreSQL plans by table statistics, which a handful of rows does not exercise.)
    """
    if backend != "sqlite":
        pytest.skip("query plans are checked on SQLite")
    graded_reviewer(app, client, clock, tmp_path, recovery_key_file)
    run_batch(app)
    everything = query_plans(app, inbox.InboxFilters(status="all"))
    assert len(everything) == 2  # the counts per status, then the one status's page
    by_severity = query_plans(app, inbox.InboxFilters(sort="severity", status="all"))
    assert len(by_severity) == 1 + 4  # the counts, then a bucket per severity
    for plan in everything + by_severity:
        assert "INDEX report_inbox" in plan and "SCAN" not in plan, plan
        assert "  USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # in the index walk
    for page in everything[1:] + by_severity[1:]:
        assert page.startswith("SEARCH t1 USING PRIMARY KEY"), page
        assert "  SEARCH t1 USING COVERING INDEX report_inbox" in page, page
    by_harm = query_plans(app, inbox.InboxFilters(sort="harm", status="all"))
    assert len(by_harm) == 1 + len(inbox.HARM_ORDER) + 1  # and moral distress
    one_harm = query_plans(app, inbox.InboxFilters(potential_harm="severe", sort="severity"))
    for plan in by_harm + one_harm:
        assert "INDEX report_inbox" in plan and "SCAN" not in plan, plan


def test_every_severity_and_harm_a_report_can_hold_has_its_place_in_the_sorts():
    assert set(inbox.SEVERITY_ORDER) == set(SEVERITIES)
    assert set(inbox.HARM_ORDER) == {*submissions.POTENTIAL_HARM, None}
