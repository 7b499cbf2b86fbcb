"""Crash safety and concurrency: nothing acknowledged is lost, nothing is half-written.

Issue 5, point 5. A real gunicorn (four sync workers) takes concurrent filings; mid-load its
whole process group (master and workers) is killed with SIGKILL, as a power cut or the OOM
killer would, and a new gunicorn starts on the same instance and database. Then:

- every filing that was answered 201 is there: found by its receipt's digest, served again
  by POST /api/v1/follow-up, and its narrative opens with the recovery key to exactly the
  text filed, with exactly the coded fields filed;
- nothing is half-written: every stored row is one of the filings sent (the acknowledged
  ones, plus at most the few whose answer the kill cut off), each complete in the same way,
  each exactly once.

Then, on PostgreSQL, 2,000 filings from 32 concurrent clients land exactly once on four
workers, and the release of their month (built with a clock after the month closes) counts
all 2,000. Rate limits are off: every filing comes from one address.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from helpers import narratives_opened_with, stored_reports
from servers import AppServer, request, running

from reporting import accounts
from reporting.db import close_all, database, is_sqlite
from reporting.models import Release
from reporting.privacy import receipts
from reporting.submissions import severity_of

WORKERS = 4
CLIENTS = 8
KILL_AFTER = 150  # acknowledged filings before the kill: well into the load
LOAD_SECONDS = 120  # a deadline for reaching that, and for any client to finish
CONCURRENT_FILINGS = 2_000
CONCURRENT_CLIENTS = 32
NO_LIMITS = {"RATELIMIT_ENABLED": "false"}
TEMPLATES = (
    {
        "kind": "near-miss",
        "category": "medication",
        "unit": "icu",
        "role": "nursing",
        "stopped_by": "staff",
        "potential_harm": "severe",
    },
    {
        "kind": "moral-distress",
        "category": "unsafe-staffing",
        "unit": "ward-7b",
        "role": "medical",
        "intensity": 8,
        "distress_type": "constraint",
    },
    {"kind": "near-miss", "category": "fall", "unit": "department:surgery", "role": "support"},
    {"kind": "moral-distress", "category": "team-conflict", "intensity": 2},
    {
        "kind": "near-miss",
        "category": "device-health-it",
        "unit": "hdu",
        "role": "allied-health",
        "potential_harm": "unknown",
    },
)
CODED = ("kind", "category", "unit", "role", "intensity", "distress_type")
CODED += ("stopped_by", "potential_harm")
TAG = re.compile(r"filing ([a-z]+):")


def tag_of(index: int) -> str:
    """Lower-case letters only (nothing the scrubber replaces), unique per index."""
    letters = "".join(chr(ord("a") + int(d)) for d in str(index))
    return f"zq{letters}"


def submission(index: int) -> dict:
    body = dict(TEMPLATES[index % len(TEMPLATES)])
    body["narrative"] = (
        f"Crash check filing {tag_of(index)}: the pump alarm was silenced and a colleague "
        "caught it in time."
    )
    return body


class Load:
    """Clients filing concurrently until told to stop or until the server stops answering."""

    def __init__(self, port: int, clients: int, total: int | None = None) -> None:
        self.port = port
        self.total = total
        self.indices = itertools.count()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acknowledged: dict[int, dict] = {}  # index -> the 201 answer
        self.cut_off: set[int] = set()  # sent, but the connection died before an answer
        self.refused: list[tuple[int, int, str]] = []  # any other answer
        self.threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def _client(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                index = next(self.indices)
            if self.total is not None and index >= self.total:
                return
            try:
                answer = request(self.port, "POST", "/api/v1/reports", json_body=submission(index))
            except ConnectionRefusedError:
                return  # never sent: nobody listens any more
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.cut_off.add(index)
                return  # the server is gone: this client stops
            with self.lock:
                if answer.status == 201:
                    self.acknowledged[index] = answer.json()
                else:
                    self.refused.append((index, answer.status, answer.text[:300]))

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def wait_for(self, acknowledged: int) -> None:
        deadline = time.monotonic() + LOAD_SECONDS
        while len(self.acknowledged) < acknowledged:
            assert not self.refused, self.refused[:5]
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} filings in time"
            self.stop.wait(0.01)  # polling interval; the condition is the loop's test

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=LOAD_SECONDS)
            assert not thread.is_alive(), "a client hung"


def pepper_of(instance_dir) -> bytes:
    secrets_file = json.loads((instance_dir / "secrets.json").read_text())
    return bytes.fromhex(secrets_file["RECEIPT_PEPPER"])


def assert_complete(row, opened: str, index: int) -> None:
    """A stored report that is exactly the filing ``index``: nothing missing, nothing mixed."""
    sent = submission(index)
    assert opened == sent["narrative"], (row.id, opened)
    for name in CODED:
        default = "not-given" if name in ("unit", "role") else None
        assert getattr(row, name) == sent.get(name, default), (row.id, name)
    assert row.severity == severity_of(
        sent["kind"], sent.get("intensity"), sent.get("potential_harm")
    )
    assert row.status == "received" and row.review_group_id == "default"
    assert re.fullmatch(r"[0-9a-f]{64}", row.receipt_digest), row.id
    assert row.reply_key is not None and len(bytes(row.reply_key)) == 32, row.id
    assert re.fullmatch(r"\d{4}-\d{2}", row.period), row.id


def stored_by_index(recovery_key_file) -> tuple[dict[int, object], dict[int, str]]:
    """Every stored report keyed by the filing it carries; fails on a duplicate or stranger."""
    opened = narratives_opened_with(recovery_key_file)
    rows, texts = {}, {}
    for row in stored_reports():
        match = TAG.search(opened[row.id])
        assert match, f"report {row.id} carries no filing of this test: {opened[row.id]!r}"
        index = _index_of(match.group(1))
        assert index not in rows, f"filing {index} is stored twice"
        rows[index], texts[index] = row, opened[row.id]
    return rows, texts


def _index_of(tag: str) -> int:
    return int("".join(str(ord(c) - ord("a")) for c in tag.removeprefix("zq")))


def test_sigkill_mid_load_loses_no_acknowledged_filing_and_leaves_no_half_written_one(
    backend, initialised, database_url, recovery_key_file, tmp_path
):
    server = AppServer(
        initialised, tmp_path / "logs", database_url=database_url, workers=WORKERS, **NO_LIMITS
    )
    with running(server):
        load = Load(server.port, CLIENTS).start()
        try:
            load.wait_for(KILL_AFTER)
            server.kill()
        finally:
            load.stop.set()
            load.join()
        assert not load.refused, load.refused[:5]
        acknowledged, cut_off = dict(load.acknowledged), set(load.cut_off)
        assert cut_off, "no filing was in flight at the kill: the test proves nothing"

        server.start()  # the same instance and database, after the crash
        rows, texts = stored_by_index(recovery_key_file)
        for index, row in rows.items():
            assert_complete(row, texts[index], index)
        missing = sorted(set(acknowledged) - set(rows))
        assert not missing, f"acknowledged filings lost in the crash: {missing[:20]}"
        strangers = sorted(set(rows) - set(acknowledged) - cut_off)
        assert not strangers, f"rows nobody sent: {strangers[:20]}"
        assert len(rows) == len(acknowledged) + len(set(rows) & cut_off)

        pepper = pepper_of(initialised)
        by_digest = {row.receipt_digest: index for index, row in rows.items()}
        for index, answer in acknowledged.items():
            digest = receipts.receipt_digest(receipts.normalise(answer["receipt"]), pepper)
            assert by_digest.get(digest) == index, f"receipt of filing {index} finds another"
        for index in random.Random(5).sample(sorted(acknowledged), 20):
            answer = request(
                server.port,
                "POST",
                "/api/v1/follow-up",
                json_body={"receipt": acknowledged[index]["receipt"]},
            )
            assert answer.status == 200, answer.text
            assert answer.json()["category"] == submission(index)["category"]
        after = request(server.port, "POST", "/api/v1/reports", json_body=submission(10**6))
        assert after.status == 201, after.text

    if is_sqlite(database):
        with database.connection_context():
            assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(
        f"\ncrash ({backend}, {WORKERS} workers, {CLIENTS} clients): "
        f"{len(acknowledged)} filings acknowledged before SIGKILL, 0 lost; "
        f"{len(cut_off)} cut off in flight, {len(set(rows) & cut_off)} of them stored whole"
    )


def _after_month_closes(month: str) -> datetime:
    """Noon UTC a week after ``month`` ends: past the default 3-day release lag."""
    year, mon = int(month[:4]), int(month[5:])
    first_of_next = datetime(year + mon // 12, mon % 12 + 1, 1, 12, tzinfo=UTC)
    return first_of_next + timedelta(days=7)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_thousand_concurrent_filings_on_four_workers_land_once_and_are_released(
    backend, initialised, database_url, recovery_key_file, tmp_path, make_app, clock
):
    server = AppServer(
        initialised, tmp_path / "logs", database_url=database_url, workers=WORKERS, **NO_LIMITS
    )
    started = time.perf_counter()
    with running(server):
        load = Load(server.port, CONCURRENT_CLIENTS, total=CONCURRENT_FILINGS).start()
        load.join()
    seconds = time.perf_counter() - started
    assert not load.refused and not load.cut_off, (load.refused[:5], sorted(load.cut_off)[:5])
    assert len(load.acknowledged) == CONCURRENT_FILINGS

    rows, texts = stored_by_index(recovery_key_file)  # fails on any filing stored twice
    assert sorted(rows) == list(range(CONCURRENT_FILINGS))
    for index, row in rows.items():
        assert_complete(row, texts[index], index)
    assert len({row.receipt_digest for row in rows.values()}) == CONCURRENT_FILINGS
    receipts_given = {answer["receipt"] for answer in load.acknowledged.values()}
    assert len(receipts_given) == CONCURRENT_FILINGS

    months = sorted({answer["period"] for answer in load.acknowledged.values()})
    clock.now = _after_month_closes(months[-1])
    app = make_app()
    app_database = app.extensions["reporting.database"]
    client = app.test_client()
    with app.app_context(), database.connection_context():
        _, token = accounts.create_token("board")
    answer = client.get(
        "/api/v1/trends",
        query_string={"granularity": "month"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    released = {cell["period"]: cell["count"] for cell in answer.get_json()["cells"]}
    filed = {m: sum(a["period"] == m for a in load.acknowledged.values()) for m in months}
    with app.app_context(), database.connection_context():
        exact = {
            r.month: next(e[6] for e in json.loads(r.month_cells) if e[1:6] == ["*"] * 5)
            for r in Release.select()
        }
    print(
        f"\nconcurrency (PostgreSQL, {WORKERS} workers, {CONCURRENT_CLIENTS} clients): "
        f"{CONCURRENT_FILINGS} filings in {seconds:.1f} s, {len(rows)} rows, 0 duplicates; "
        f"released organisation totals {released}"
    )
    assert sum(filed.values()) == CONCURRENT_FILINGS
    for month, count in filed.items():
        # What the release counted, exactly, and what it published: an organisation's
        # month total is far above k, so suppression never needs to hide it.
        assert exact[month] == count, (month, exact, filed)
        assert released[month] == count, (month, released, filed)
    close_all(app_database)
