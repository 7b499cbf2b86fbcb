"""Acceptance: a copy of the database taken after the daily batch cannot order the day's
filings, on SQLite (file and write-ahead log) and PostgreSQL (xmin, ctid and pg_dump).

Reports and reporters' answers are filed one by one, each between two timestamped staff
actions (audit entries), the way a working day interleaves them. The attacker then reads the
database as an administrator with a copy would, recovers an order by every physical means we
know, and compares it with the true filing order: Kendall's tau must stay near 0 (random ids
give about ±0.11 over 40 filings; the bound is four of those). Before the batch the same
reading recovers the order (the test's own check that its attacks can see one).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from review_support import add_staff, file_report, log_in, next_batch_time
from scipy.stats import kendalltau

from reporting.db import database, is_sqlite
from reporting.models import Message, Report
from reporting.review import batches
from reporting.web.auditing import audit
from reporting.write_traces import reporter_write

FILINGS = 40


def tau_bound(n: int) -> float:
    """Four standard deviations of Kendall's tau between a random order of n items and the
    truth (0.44 for the day's 40 reports; wider for its dozen or so messages, where a fixed
    0.45 was only two and failed about once in fifty runs)."""
    return 4 * math.sqrt(2 * (2 * n + 5) / (9 * n * (n - 1)))


def _tau(true_order: list[str], recovered: list[str]) -> float:
    """Kendall's tau between the filing order and an order an attacker recovered."""
    rank = {key: position for position, key in enumerate(recovered)}
    common = [key for key in true_order if key in rank]
    assert len(common) == len(true_order), "every filing is found in the copy"
    tau = kendalltau(range(len(common)), [rank[key] for key in common]).statistic
    return 0.0 if tau != tau else float(tau)  # NaN: every key tied, no order at all


def _file_the_day(app, client, clock) -> tuple[list[str], list[str]]:
    """FILINGS reports and a reporter's answer to each third, between staff audit entries."""
    report_order, message_order, receipts = [], [], []
    for number in range(FILINGS):
        clock.now += timedelta(seconds=37)
        with app.app_context(), database.connection_context():
            audit("export", f"before-{number}", actor="alice")
            before = {row.id for row in Report.select(Report.id)}
        receipts.append(file_report(client, narrative=f"The pump alarm number {number} failed."))
        with app.app_context(), database.connection_context():
            (new,) = {row.id for row in Report.select(Report.id)} - before
            audit("export", f"after-{number}", actor="alice")
        report_order.append(new)
        if number % 3 == 2:
            with app.app_context(), database.connection_context():
                seen = {row.id for row in Message.select(Message.id)}
            answer = {"receipt": receipts[number - 1], "message": f"More detail {number}."}
            assert client.post("/api/v1/follow-up/messages", json=answer).status_code == 201
            with app.app_context(), database.connection_context():
                (sent,) = {row.id for row in Message.select(Message.id)} - seen
            message_order.append(sent)
    return report_order, message_order


def _sqlite_orders(copy_dir: Path) -> list[list[str]]:
    """Orders from a copy of the file and its log: where each id first appears in the bytes."""
    path = Path(database.obj.database)
    raw = b""
    for suffix in ("", "-wal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copy(f"{path}{suffix}", copy_dir / f"copy{suffix}")
            raw += (copy_dir / f"copy{suffix}").read_bytes()
    ids = {m.group(0).decode() for m in re.finditer(rb"[0-9a-f]{32}", raw)}
    first = {key: raw.find(key.encode()) for key in ids}
    by_offset = sorted(ids, key=first.__getitem__)
    return [by_offset, list(reversed(by_offset))]


def _postgres_orders(database_url: str, table: str) -> list[list[str]]:
    """Orders by xmin, by ctid (heap order) and by where pg_dump writes each row."""
    rows = database.execute_sql(f'SELECT id, xmin::text::bigint, ctid::text FROM "{table}"')
    rows = list(rows.fetchall())
    by_xmin = [key for key, _, _ in sorted(rows, key=lambda r: (r[1], r[0]))]
    ties = len({xmin for _, xmin, _ in rows}) == 1
    by_ctid = [
        key for key, _, ctid in sorted(rows, key=lambda r: tuple(map(int, r[2][1:-1].split(","))))
    ]
    orders = [by_ctid] + ([] if ties else [by_xmin])
    if shutil.which("pg_dump"):
        schema = re.search(r"search_path%3D(\w+)", database_url).group(1)
        base = database_url.split("?")[0]
        dumped = subprocess.run(
            ["pg_dump", "--data-only", "-n", schema, "-t", f"{schema}.{table}", base],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        orders.append(list(dict.fromkeys(re.findall(r"^([0-9a-f]{32})\t", dumped, re.M))))
    return orders


def _orders(backend, database_url, tmp_path, table) -> list[list[str]]:
    if backend == "sqlite":
        return _sqlite_orders(tmp_path)
    return _postgres_orders(database_url, table)


def test_after_the_batch_no_order_of_the_days_reports_or_answers_survives(
    backend, app, client, clock, tmp_path, recovery_key_file, database_url
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    settings = batches.BatchSettings.from_config(app.config)
    with app.app_context(), database.connection_context():
        assert batches.run_due(clock.now, settings).started
    report_order, message_order = _file_the_day(app, client, clock)
    assert len(message_order) >= FILINGS // 3

    with app.app_context(), database.connection_context():
        before = _orders(backend, database_url, tmp_path, "report")
    assert max(abs(_tau(report_order, order)) for order in before) > 0.6, (
        "before the batch the attacks see the filing order (else they test nothing)"
    )

    next_batch_time(clock)
    with app.app_context(), database.connection_context():
        result = batches.run_due(clock.now, settings)
        assert result.reports == FILINGS and result.messages == len(message_order)
        for table, truth in (("report", report_order), ("message", message_order)):
            for order in _orders(backend, database_url, tmp_path, table):
                bound = tau_bound(len(truth))
                assert abs(_tau(truth, order)) < bound, (table, _tau(truth, order), bound)
        if is_sqlite(database):
            for table in ("report", "message", "note"):
                with pytest.raises(Exception, match="rowid"):
                    database.execute_sql(f'SELECT rowid FROM "{table}"')


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_filing_leaves_the_log_empty_and_the_files_times_untouched(
    backend, app, client, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    log_in(app.test_client(), "alice")
    with app.app_context():
        path = database.obj.database
    file_report(client, narrative="First, so every file exists.")
    stamps = {s: os.stat(path + s).st_mtime_ns for s in ("", "-wal") if os.path.exists(path + s)}
    file_report(client, narrative="The second filing of the day.")
    after = {s: os.stat(path + s).st_mtime_ns for s in stamps}
    assert after == stamps
    assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_concurrent_filings_share_one_checkpoint_and_the_last_one_empties_the_log(
    backend, app, client
):
    """Writes in flight together share the checkpoint: while one is still being written the
    log may hold the others (never older than GROUP_SECONDS), and when the last one ends
    the log is empty and the files' times are those from before the first began."""
    file_report(client, narrative="First, so every file exists.")
    with app.app_context():
        path = database.obj.database
        stamps = {s: os.stat(path + s).st_mtime_ns for s in ("", "-wal", "-shm")}
        first_inside = threading.Event()
        second_done = threading.Event()
        wal_while_first_open = []

        def first() -> None:
            with app.app_context(), database.connection_context(), reporter_write():
                first_inside.set()
                second_done.wait(10)
                wal_while_first_open.append(os.path.getsize(path + "-wal"))

        thread = threading.Thread(target=first)
        thread.start()
        assert first_inside.wait(10)
        with database.connection_context(), reporter_write(), database.atomic():
            database.execute_sql("UPDATE report SET status = status")
        second_done.set()
        thread.join(10)
    assert wal_while_first_open and wal_while_first_open[0] > 0  # left for the last writer
    assert os.path.getsize(path + "-wal") == 0
    assert {s: os.stat(path + s).st_mtime_ns for s in stamps} == stamps
