"""Scale-out: two app instances behind one PostgreSQL database serve as one.

Issue 5, point 6 (docs/scale-out.md describes the set-up). Two gunicorn instances run as
separate processes with separate instance folders that hold the same secrets.json, taxonomy
and config, one PostgreSQL database and Redis for rate limits. Then:

- a reviewer who logs in on one instance is served by the other: the session cookie from A
  opens the inbox on B, a report's narrative decrypts on B (the unlocked key lives in the
  database, encrypted under a secret only the cookie holds), and a note written on B reads
  back on A;
- a release that both instances find due at the same moment is built once: both answer the
  same numbers, each month has one release and one audit entry.

The release lock is also raced by two `reporting release` processes (cron on two hosts), on
SQLite (a file lock) and PostgreSQL (an advisory lock): each month is built exactly once.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token
from helpers import add_reports
from servers import (
    AppServer,
    redis_namespace,
    request,
    run_command,
    running,
    share_instance,
    start_command,
)

from reporting.db import database
from reporting.models import AuditEntry, Release, ReleasedCell
from reporting.releases.builder import ReleasePolicy, last_closed_month
from reporting.review import batches

REDIS_URL = "redis://127.0.0.1:6379/12"  # a database of these tests' own
PASSWORD = "correct horse battery staple"
REPORT_LINK = re.compile(r'href="/review/([0-9a-f]{32})"')
NARRATIVES = (
    "Scale-out check: the heparin infusion was paused before the wrong bag went up.",
    "Scale-out check: three of us covered twenty beds and the night felt unsafe.",
)


def months_due_now(count: int = 3) -> list[str]:
    """The last ``count`` months closed by the real clock (the servers run on it)."""
    last = last_closed_month(datetime.now(UTC), ReleasePolicy())
    year, month = int(last[:4]), int(last[5:])
    months = []
    for _ in range(count):
        months.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(months)


def store_closed_months(months: list[str]) -> None:
    for month in months:
        add_reports(month, "icu", "near-miss", "fall", 12)
        add_reports(month, "icu", "near-miss", "medication", 2)
        add_reports(month, "theatres", "near-miss", "medication", 9)
        add_reports(month, "hdu", "moral-distress", "unsafe-staffing", 7, role="medical")


def built_once(months: list[str]) -> None:
    """Each month has one release, whole, and was audited as built exactly once."""
    with database.connection_context():
        releases = {r.month: r for r in Release.select()}
        assert sorted(releases) == months
        for month, release in releases.items():
            cells = ReleasedCell.select().where(ReleasedCell.release == month).count()
            assert cells == release.cells_published + release.cells_hidden, month
        built = Counter(
            e.object for e in AuditEntry.select().where(AuditEntry.action == "release-built")
        )
    assert built == Counter(months), f"release-built audit entries: {built}"


def log_in(port: int, username: str) -> dict[str, str]:
    """The staff session cookie from logging in on the instance at ``port``."""
    page = request(port, "GET", "/login")
    form = {"csrf_token": csrf_token(page.text), "username": username, "password": PASSWORD}
    answer = request(port, "POST", "/login", form=form, cookies=page.cookies)
    assert answer.status == 302, answer.text[:500]
    assert "session" in answer.cookies
    return {"session": answer.cookies["session"]}


def move_filed_reports_to_the_inbox() -> None:
    """Two daily batches a day apart: the first starts the schedule, the second releases.

    A day ahead of the servers' clock, so their own lazy batch finds nothing more to do.
    """
    settings = batches.BatchSettings(
        batch_time=(7, 0), timezone="Europe/London", acknowledge_within=7
    )
    now = datetime.now(UTC)
    with database.connection_context():
        batches.run_due(now, settings)
        result = batches.run_due(now + timedelta(days=1), settings)
    assert result.reports == len(NARRATIVES), result


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_instances_on_one_database_serve_one_reviewer_and_build_a_due_release_once(
    backend, initialised, database_url, recovery_key_file, tmp_path
):
    first_dir = initialised
    second_dir = share_instance(first_dir, tmp_path / "instance-b")
    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n")
    made = run_command(
        first_dir,
        database_url,
        *("user", "add", "alice", "--role", "reviewer", "--password-file", str(password_file)),
        *("--recovery-key-file", str(recovery_key_file)),
    )
    assert made.returncode == 0, made.stderr
    made = run_command(first_dir, database_url, "token", "add", "board")
    assert made.returncode == 0, made.stderr
    token = next(line for line in made.stdout.splitlines() if line.startswith("rpt_"))
    months = months_due_now(6)  # enough work that the two requests surely overlap

    with redis_namespace(REDIS_URL, "scale-out") as (_store, prefix):
        shared = {"RATELIMIT_STORAGE": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
        first = AppServer(
            first_dir, tmp_path / "logs", database_url=database_url, name="a", **shared
        )
        second = AppServer(
            second_dir, tmp_path / "logs", database_url=database_url, name="b", **shared
        )
        with running(first, second):
            for narrative in NARRATIVES:
                body = {"kind": "near-miss", "category": "medication", "narrative": narrative}
                filed = request(first.port, "POST", "/api/v1/reports", json_body=body)
                assert filed.status == 201, filed.text
            move_filed_reports_to_the_inbox()
            store_closed_months(months)  # after the batch: coded rows only, not for review

            # Both instances find the months due at the same moment; one builds them. (This
            # comes first: a report page looks for due releases too, at most once a minute.)
            barrier = threading.Barrier(2)
            answers, spans = {}, {}

            def ask(server: AppServer) -> None:
                barrier.wait(timeout=30)
                started = time.monotonic()
                answers[server.name] = request(
                    server.port,
                    "GET",
                    "/api/v1/trends?granularity=month",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                )
                spans[server.name] = (started, time.monotonic())

            threads = [threading.Thread(target=ask, args=(s,)) for s in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=150)
            assert set(answers) == {"a", "b"}, "a trends request did not finish"

            # Logged in on A, served by B.
            cookies = log_in(first.port, "alice")
            inbox = request(second.port, "GET", "/review", cookies=cookies)
            assert inbox.status == 200, inbox.text[:500]
            report_ids = REPORT_LINK.findall(inbox.text)
            assert len(set(report_ids)) == len(NARRATIVES), inbox.text[:2000]
            shown = []
            for report_id in set(report_ids):
                page = request(second.port, "GET", f"/review/{report_id}", cookies=cookies)
                assert page.status == 200, page.text[:500]
                shown += [n for n in NARRATIVES if html.escape(n) in page.text]
            assert sorted(shown) == sorted(NARRATIVES), "B did not decrypt the narratives"

            # A note sealed on B opens on A: one key session, whichever instance serves.
            # The CSRF token lives in the session, so the cookie the page set goes back.
            report_id = report_ids[0]
            page = request(second.port, "GET", f"/review/{report_id}", cookies=cookies)
            cookies.update(page.cookies)
            note = "Scale-out note: written on the second instance, read on the first."
            posted = request(
                second.port,
                "POST",
                f"/review/{report_id}/notes",
                form={"csrf_token": csrf_token(page.text), "text": note},
                cookies=cookies,
            )
            assert posted.status == 302, posted.text[:3000]
            cookies.update(posted.cookies)
            page = request(first.port, "GET", f"/review/{report_id}", cookies=cookies)
            assert page.status == 200 and html.escape(note) in page.text, page.text[:500]

    assert answers["a"].status == 200, answers["a"].text[:500] + first.output()
    assert answers["b"].status == 200, answers["b"].text[:500] + second.output()
    assert answers["a"].json() == answers["b"].json()
    # The two requests overlapped: each was sent before the other was answered.
    assert max(s for s, _ in spans.values()) < min(e for _, e in spans.values()), spans
    counts = {cell["period"]: cell["count"] for cell in answers["a"].json()["cells"]}
    assert all(counts.get(m) == 30 for m in months), (counts, answers["a"].text)
    built_once(months)
    print(
        f"\nscale-out: 2 instances, one PostgreSQL schema; reviewer served across instances; "
        f"due months {months} built once, requests took "
        + ", ".join(f"{n} {e - s:.2f} s" for n, (s, e) in sorted(spans.items()))
    )


def test_two_release_commands_racing_build_each_month_once(backend, initialised, database_url):
    months = months_due_now()
    store_closed_months(months)
    racing = [start_command(initialised, database_url, "release") for _ in range(2)]
    outputs = []
    for process in racing:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        outputs.append(out)
    released = Counter(re.findall(r"^released (\d{4}-\d{2}):", "".join(outputs), re.M))
    assert released == Counter(months), outputs
    built_once(months)
