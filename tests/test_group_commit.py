"""Reporters' writes that arrive together share one transaction (group_commit), and each
caller still gets its own outcome: stored, or its own error with nothing of it stored."""

from __future__ import annotations

import threading

import pytest
from peewee import IntegrityError
from review_support import file_report

from reporting import group_commit
from reporting.db import database
from reporting.group_commit import write_together
from reporting.models import Report

TABLE = "group_commit_probe"


@pytest.fixture
def probe(app):
    """A scratch table, and a way to run code in a thread with the app's database."""
    with app.app_context(), database.connection_context():
        database.execute_sql(f"CREATE TABLE {TABLE} (k VARCHAR(20) PRIMARY KEY, t BIGINT)")

    def in_thread(target) -> threading.Thread:
        def run():
            with app.app_context(), database.connection_context():
                target()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    yield in_thread
    with app.app_context(), database.connection_context():
        database.execute_sql(f"DROP TABLE {TABLE}")


def _insert(key: str, where: dict | None = None):
    def run():
        if where is not None:
            where[key] = threading.get_ident()
        database.execute_sql(
            f"INSERT INTO {TABLE} (k, t) VALUES (%s, %s)".replace("%s", database.obj.param),
            (key, threading.get_ident()),
        )

    return run


def _stored(app) -> list[str]:
    with app.app_context(), database.connection_context():
        return sorted(r[0] for r in database.execute_sql(f"SELECT k FROM {TABLE}"))


def _until_waiting(count: int) -> None:
    """Until ``count`` writes are queued behind the leader (bounded: 10 s)."""
    gate = threading.Event()
    for _ in range(2000):
        with group_commit._QUEUE.changed:
            if len(group_commit._QUEUE.waiting) >= count:
                return
        gate.wait(0.005)
    raise AssertionError(f"{count} writes never queued")


def _hold_the_leader(app, probe, release: threading.Event) -> threading.Thread:
    """A first write that leads and stays in its transaction until ``release``."""
    inside = threading.Event()

    def first():
        def run():
            inside.set()
            assert release.wait(10)
            _insert("first")()

        write_together(run)

    thread = probe(first)
    assert inside.wait(10)
    return thread


def test_a_lone_write_is_stored(app, probe):
    thread = probe(lambda: write_together(_insert("alone")))
    thread.join(10)
    assert _stored(app) == ["alone"]


def test_writes_that_queue_meanwhile_share_the_next_transaction(app, probe):
    release = threading.Event()
    leader = _hold_the_leader(app, probe, release)
    ran_on: dict[str, int] = {}
    callers: dict[str, int] = {}
    outcomes: list[str] = []

    def follower(key: str):
        def go():
            callers[key] = threading.get_ident()
            write_together(_insert(key, ran_on))
            outcomes.append(key)

        return go

    keys = [f"f{i}" for i in range(5)]
    threads = [probe(follower(k)) for k in keys]
    _until_waiting(len(keys))
    release.set()
    for t in [leader, *threads]:
        t.join(10)
    assert sorted(outcomes) == keys, "every caller returns once its write is stored"
    assert _stored(app) == sorted(["first", *keys])
    assert len(set(ran_on.values())) == 1, "the five queued writes ran in one transaction"
    (runner,) = set(ran_on.values())
    assert runner in callers.values(), "led by one of the callers that queued"


def test_a_failing_write_fails_alone(app, probe):
    release = threading.Event()
    leader = _hold_the_leader(app, probe, release)
    errors: dict[str, BaseException | None] = {}

    def follower(key: str, write):
        def go():
            try:
                write_together(write)
                errors[key] = None
            except Exception as error:  # noqa: BLE001 - the outcome under test
                errors[key] = error

        return go

    threads = [
        probe(follower("good-1", _insert("good-1"))),
        probe(follower("duplicate", _insert("first"))),  # the leader's key: refused
        probe(follower("good-2", _insert("good-2"))),
    ]
    _until_waiting(3)
    release.set()
    for t in [leader, *threads]:
        t.join(10)
    assert errors["good-1"] is None and errors["good-2"] is None
    assert isinstance(errors["duplicate"], IntegrityError)
    assert _stored(app) == ["first", "good-1", "good-2"]


class _Interrupted(BaseException):
    """Stands for a worker being stopped in the middle of a transaction."""


def test_an_interrupted_leader_leaves_no_follower_believing_it_stored(app, probe):
    release = threading.Event()
    leader = _hold_the_leader(app, probe, release)
    errors: list[BaseException] = []
    inside = threading.Event()

    def interrupted():
        inside.set()
        raise _Interrupted

    # Whichever of the two leads their group sees the interruption itself; the other
    # learns that its write was not stored.
    def second_leader():
        try:
            write_together(interrupted)
        except (_Interrupted, RuntimeError) as error:
            errors.append(error)

    def follower():
        try:
            write_together(_insert("follower"))
        except (_Interrupted, RuntimeError) as error:
            errors.append(error)

    first_in_queue = probe(second_leader)
    _until_waiting(1)
    other = probe(follower)
    _until_waiting(2)
    release.set()
    for t in (leader, first_in_queue, other):
        t.join(10)
    assert inside.is_set()
    assert sorted(type(e).__name__ for e in errors) == ["RuntimeError", "_Interrupted"]
    (told,) = [e for e in errors if isinstance(e, RuntimeError)]
    assert "nothing was stored" in str(told)
    assert _stored(app) == ["first"]
    # and the queue is free again
    later = probe(lambda: write_together(_insert("later")))
    later.join(10)
    assert _stored(app) == ["first", "later"]


def test_inside_a_callers_transaction_the_write_runs_there(app, probe):
    def caller():
        with database.atomic():
            write_together(_insert("rolled-back"))
            raise RuntimeError("the caller's transaction fails")

    with app.app_context(), database.connection_context(), pytest.raises(RuntimeError):
        caller()
    assert _stored(app) == []


def test_concurrent_filings_each_get_a_receipt_and_a_row(app, client):
    receipts: list[str] = []

    def filing(i: int):
        receipts.append(file_report(client, narrative=f"Concurrent filing number {i}."))

    threads = [threading.Thread(target=filing, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(set(receipts)) == 12
    with app.app_context(), database.connection_context():
        assert Report.select().count() == 12
