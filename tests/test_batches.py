"""Acceptance: the daily batch, on SQLite and PostgreSQL.

A report reaches no inbox until the next batch time and then shows only its month; the
batch runs once however often it is asked or however many processes race; unacknowledged
reports count batches up to the overdue limit and no further.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from helpers import add_reports
from review_support import add_staff, cli, db, file_report, inbox_ids, log_in, next_batch_time

from reporting.db import database
from reporting.models import Housekeeping, Report
from reporting.review import batches

SETTINGS = batches.BatchSettings(batch_time=(7, 0), timezone="Europe/London", acknowledge_within=7)


def test_a_report_filed_now_is_in_no_inbox_until_the_next_batch_then_shows_its_month_only(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    assert inbox_ids(reviewer) == []  # the request's lazy housekeeping starts the schedule
    file_report(client, narrative="The label on the vial was smudged.")
    clock.now += timedelta(minutes=5)
    log_in(reviewer, "alice")
    assert inbox_ids(reviewer) == []
    clock.now = datetime(2026, 11, 15, 6, 59, tzinfo=UTC)  # a minute before the batch
    log_in(reviewer, "alice")
    assert inbox_ids(reviewer) == []
    clock.now = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)
    log_in(reviewer, "alice")
    (report_id,) = inbox_ids(reviewer)
    for html in (
        reviewer.get("/review").get_data(as_text=True),
        reviewer.get(f"/review/{report_id}").get_data(as_text=True),
    ):
        assert "2026-11" in html and "smudged" in reviewer.get(f"/review/{report_id}").text
        visible = re.sub(r'value="[^"]*"', "", html)  # CSRF tokens are not shown
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|November|Saturday|Sunday", visible)
        assert "2026-11-1" not in visible and "14 Nov" not in visible


def test_the_batch_runs_once_per_batch_time_and_counts_waiting_up_to_the_limit(backend, app, clock):
    add_reports("2026-11", "icu", "near-miss", "fall", 2)
    with db(app):
        Report.update(in_inbox=False).execute()
        start = batches.run_due(clock.now, SETTINGS)
        assert start.started and not start.ran
        assert Report.select().where(Report.in_inbox == True).count() == 0  # noqa: E712
        assert not batches.run_due(clock.now + timedelta(hours=1), SETTINGS).ran
        first = batches.run_due(datetime(2026, 11, 15, 7, tzinfo=UTC), SETTINGS)
        assert (first.batches, first.reports) == (1, 2)
        assert not batches.run_due(datetime(2026, 11, 15, 23, tzinfo=UTC), SETTINGS).ran
        acknowledged = Report.select().first()
        Report.update(status="acknowledged").where(Report.id == acknowledged.id).execute()
        assert [r.waiting_batches for r in Report.select()] == [0, 0]
        # Three days with no run: three batch times count at once.
        later = batches.run_due(datetime(2026, 11, 18, 8, tzinfo=UTC), SETTINGS)
        assert later.batches == 3
        waiting = {r.id: r.waiting_batches for r in Report.select()}
        assert waiting[acknowledged.id] == 0 and sorted(waiting.values()) == [0, 3]
        batches.run_due(datetime(2026, 11, 30, 8, tzinfo=UTC), SETTINGS)
        assert sorted(r.waiting_batches for r in Report.select()) == [0, 7]  # capped
        assert Housekeeping.get_by_id("batch").last_run.isoformat() == "2026-11-30"


def test_two_processes_racing_release_the_batch_once(backend, app, clock):
    add_reports("2026-11", "icu", "near-miss", "fall", 3)
    with db(app):
        Report.update(in_inbox=False).execute()
        batches.run_due(clock.now, SETTINGS)
        Report.update(in_inbox=True, waiting_batches=0).execute()
        add_reports("2026-11", "icu", "near-miss", "vte", 2)
        Report.update(in_inbox=False).where(Report.category == "vte").execute()
    results, barrier = [], threading.Barrier(2)
    moment = datetime(2026, 11, 15, 9, tzinfo=UTC)

    def worker():
        with app.app_context(), database.connection_context():
            barrier.wait()
            results.append(batches.run_due(moment, SETTINGS))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.batches for r in results) == [0, 1]
    assert sum(r.reports for r in results) == 2
    with db(app):
        counted = sorted(r.waiting_batches for r in Report.select())
        assert counted == [0, 0, 1, 1, 1]  # the old three waited one batch, not two


def test_reporting_batch_runs_it_from_the_command_line(backend, app, client, clock):
    assert "schedule started" in cli(app, "batch")
    file_report(client)
    assert "nothing due" in cli(app, "batch")
    next_batch_time(clock)
    assert "1 reports and 0 reporter messages released" in cli(app, "batch")
    assert "nothing due; last batch 2026-11-15" in cli(app, "batch")


def test_reporting_batch_now_releases_at_once_audited_and_once_a_day(backend, app, client, clock):
    from reporting.models import AuditEntry

    file_report(client)  # the schedule has not even started: a pilot's first day
    with db(app):
        assert Report.select().where(Report.in_inbox == True).count() == 0  # noqa: E712
    assert "forced batch: 1 reports and 0 reporter messages released" in cli(app, "batch", "--now")
    with db(app):
        assert Report.select().where(Report.in_inbox == True).count() == 1  # noqa: E712
        assert AuditEntry.select().where(AuditEntry.action == "batch-now").count() == 1
    file_report(client)
    refused = app.test_cli_runner().invoke(args=["batch", "--now"])
    assert refused.exit_code != 0 and "already forced today" in refused.output
    next_batch_time(clock)  # the schedule goes on: the next batch releases the second report
    assert "1 reports and 0 reporter messages released" in cli(app, "batch")
