"""The writer process (reporting/writer/): the workers hand reporters' rows to one process
that writes them. With it, without it, and when it dies or goes silent mid-write, every
filing answered with a receipt is stored exactly once, a collision is still a collision,
and the log keeps no filing order once a burst ends. SQLite only: PostgreSQL needs no writer.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest
from peewee import IntegrityError
from review_support import file_report
from servers import AppServer, request, running, start_command

from reporting.db import database
from reporting.models import Report
from reporting.models.prepared import insert
from reporting.writer import client as writer_client
from reporting.writer import protocol

BOOT_SECONDS = 30


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def app(make_app):
    """Rate limits off: the tests file from one address, many times a second."""
    app = make_app(RATELIMIT_ENABLED=False)
    yield app
    from reporting.db import close_all

    close_all(database.obj)


def _reset_client() -> None:
    """This thread's connection belongs to the last test's writer; forget it."""
    writer_client._forget()
    writer_client._RETRY_AT[0] = 0.0


def _wait_listening(path: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(path)
                return
            except OSError:
                pass
        try:
            proc.wait(timeout=0.05)  # the poll's pace; fails at once if the writer exited
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"the writer exited with {proc.returncode}: {proc.stderr.read()}")
    raise AssertionError("the writer did not listen in time")


@pytest.fixture
def socket_path(app) -> str:
    with app.app_context():
        path = writer_client.writer_path()
    assert path is not None
    return path


@pytest.fixture
def writer(app, initialised, socket_path):
    """`reporting writer` in its own process, on the test instance."""
    proc = start_command(initialised, None, "writer")
    try:
        _wait_listening(socket_path, proc)
        _reset_client()
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        _reset_client()


def _stored_ids(app) -> set[str]:
    with app.app_context(), database.connection_context():
        return {r.id for r in Report.select(Report.id)}


def _follow_up(client, receipt: str) -> int:
    return client.post("/api/v1/follow-up", json={"receipt": receipt}).status_code


def test_filings_go_through_the_writer_and_each_is_found_by_its_receipt(app, client, writer):
    with app.app_context():
        assert writer_client.stats()["stored"] == 0
    filed = [file_report(client, narrative=f"Pump {n} was set wrongly.") for n in range(5)]
    with app.app_context():
        assert writer_client.stats()["stored"] == 5
    assert len(_stored_ids(app)) == 5
    assert all(_follow_up(client, receipt) == 200 for receipt in filed)


def test_the_socket_is_private_and_a_second_writer_is_refused(
    app, initialised, writer, socket_path
):
    assert stat.S_IMODE(os.stat(socket_path).st_mode) == 0o600
    second = start_command(initialised, None, "writer")
    out, err = second.communicate(timeout=60)
    assert second.returncode != 0 and "already listens" in err
    with app.app_context():
        assert writer_client.stats() is not None  # the first one still answers


def test_concurrent_filings_through_the_writer_land_once_each(app, writer):
    count, threads = 10, 8
    answers: list[str] = []
    failures: list[BaseException] = []

    def filer():
        try:
            with app.test_client() as own:
                for n in range(count):
                    answers.append(file_report(own, narrative=f"Near miss {n}."))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            _reset_client()

    pool = [threading.Thread(target=filer) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not failures
    assert len(answers) == len(set(answers)) == count * threads
    assert len(_stored_ids(app)) == count * threads
    with app.app_context():
        found = writer_client.stats()
    assert found["stored"] == count * threads
    assert found["groups"] <= count * threads


def _row(app, **values) -> dict:
    """A complete report row as file_report would hand it on."""
    with app.app_context(), database.connection_context():
        group = Report._meta.fields["review_group"].rel_model.select().first()
    row = {
        "id": secrets.token_hex(16),
        "period": "2026-03",
        "kind": "near-miss",
        "category": "medication",
        "unit": "icu",
        "role": "nursing",
        "severity": "low",
        "review_group": group.name,
        "receipt_digest": secrets.token_hex(32),
        "narrative": os.urandom(64),
        "sealed_gen": 1,
    }
    row.update(values)
    return row


def _write_here(row: dict):
    return lambda: insert(Report, row)


def test_a_collision_in_the_writer_is_a_collision_for_the_caller(app, writer):
    first = _row(app)
    clash = _row(app, receipt_digest=first["receipt_digest"])
    with app.app_context(), database.connection_context():
        writer_client.store("report", first, _write_here(first))
        with pytest.raises(IntegrityError):
            writer_client.store("report", clash, _write_here(clash))
        assert writer_client.stats()["stored"] == 1
    assert _stored_ids(app) == {first["id"]}


def test_a_bad_request_is_refused_and_the_writer_keeps_serving(app, writer, socket_path):
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(socket_path)
        raw.sendall(protocol.frame(b'{"insert": "user", "params": []}'))
        assert raw.recv(64)[4:5] == protocol.ERROR
        raw.sendall(b"\xff\xff\xff\xff")  # a frame far over the limit: the connection ends
        assert raw.recv(64) == b""
    row = _row(app)
    with app.app_context(), database.connection_context():
        writer_client.store("report", row, _write_here(row))
        assert writer_client.stats()["stored"] == 1


def test_without_a_writer_the_worker_writes_the_row_itself(app, client, socket_path):
    _reset_client()
    assert not os.path.exists(socket_path)
    receipt = file_report(client, narrative="The wrong dose was drawn up.")
    assert _follow_up(client, receipt) == 200
    assert len(_stored_ids(app)) == 1


def test_a_writer_killed_mid_load_loses_nothing_and_doubles_nothing(app, writer):
    answers: list[str] = []
    failures: list[BaseException] = []
    started = threading.Event()

    def filer():
        try:
            with app.test_client() as own:
                for n in range(25):
                    answers.append(file_report(own, narrative=f"Filing {n}."))
                    started.set()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            _reset_client()

    pool = [threading.Thread(target=filer) for _ in range(6)]
    for thread in pool:
        thread.start()
    assert started.wait(60)
    writer.send_signal(signal.SIGKILL)
    for thread in pool:
        thread.join(timeout=120)
    assert not failures
    assert len(answers) == 150
    assert len(_stored_ids(app)) == 150  # each answered filing once, nothing else
    with app.test_client() as own:
        assert all(_follow_up(own, receipt) == 200 for receipt in answers)


class _SilentWriter:
    """A stand-in writer that really stores each row it is sent, then hangs up without
    answering: the worker cannot know whether its row was stored."""

    def __init__(self, app, path: str) -> None:
        self.app, self.path, self.stored = app, path, 0
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        buffer = bytearray()
        while not (frames := protocol.split_frames(buffer)):
            buffer += conn.recv(1 << 16)
        _, (model, params) = protocol.parse_request(frames[0])
        with self.app.app_context(), database.connection_context():
            from reporting.models.prepared import insert_with

            insert_with(model, params)
        self.stored += 1
        conn.close()

    def close(self) -> None:
        self.thread.join(timeout=30)
        self.listener.close()
        os.unlink(self.path)


def test_a_row_stored_by_a_writer_that_never_answered_is_not_stored_again(app, socket_path):
    _reset_client()
    silent = _SilentWriter(app, socket_path)
    row = _row(app)
    try:
        with app.app_context(), database.connection_context():
            writer_client.store("report", row, _write_here(row))  # no error: it is stored
    finally:
        silent.close()
        _reset_client()
    assert silent.stored == 1
    assert _stored_ids(app) == {row["id"]}


def test_once_a_burst_ends_the_log_is_empty_and_the_files_keep_their_times(
    app, client, writer, initialised
):
    path = str(initialised / "reporting.db")
    file_report(client, narrative="Warm-up filing.")
    with app.app_context():
        assert writer_client.flush()
    times = {s: os.stat(path + s).st_mtime_ns for s in ("", "-wal")}
    for n in range(4):
        file_report(client, narrative=f"Filing {n} in a burst.")
    with app.app_context():
        assert writer_client.flush()
    assert os.path.getsize(path + "-wal") == 0
    assert {s: os.stat(path + s).st_mtime_ns for s in ("", "-wal")} == times


def test_a_quiet_writer_empties_the_log_by_itself(app, client, writer, initialised):
    wal = initialised / "reporting.db-wal"
    file_report(client, narrative="One filing, then nothing.")
    deadline = time.monotonic() + 10
    while os.path.getsize(wal) and time.monotonic() < deadline:
        time.sleep(0.01)  # polling interval: the writer checkpoints 10 ms after its last row
    assert os.path.getsize(wal) == 0
    with app.app_context():
        assert writer_client.stats()["bursts"] >= 1


def test_the_writer_stops_when_the_process_that_started_it_is_gone(initialised, socket_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
    env["REPORTING_INSTANCE_PATH"] = str(initialised)
    starter = (
        "import os, subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', "
        "'from reporting.ops.commands import main; main()', 'writer', '--parent', "
        "str(os.getpid())])\n"
        "print(p.pid, flush=True)\n"
        "sys.stdin.readline()\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", starter], env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    writer_pid = int(parent.stdout.readline())
    deadline = time.monotonic() + BOOT_SECONDS
    while not os.path.exists(socket_path) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling interval for the writer's start
    assert os.path.exists(socket_path)
    parent.stdin.close()
    parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _alive(writer_pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling interval; the writer checks its parent twice a second
    assert not _alive(writer_pid)
    assert not os.path.exists(socket_path)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_gunicorn_serves_with_a_writer_and_takes_it_down_when_it_stops(
    app, initialised, tmp_path, socket_path
):
    server = AppServer(initialised, tmp_path / "logs", RATELIMIT_ENABLED="false")
    with running(server):
        deadline = time.monotonic() + BOOT_SECONDS
        while not os.path.exists(socket_path) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling interval for the writer's start
        _reset_client()
        body = {"kind": "near-miss", "category": "medication", "unit": "icu", "narrative": "x"}
        for _ in range(3):
            assert request(server.port, "POST", "/api/v1/reports", json_body=body).status == 201
        with app.app_context():
            assert writer_client.stats()["stored"] == 3
    _reset_client()
    assert not os.path.exists(socket_path)


@pytest.mark.postgres
def test_on_postgresql_the_writer_command_starts_nothing_and_filing_needs_none(tmp_path):
    from conftest import pg_schema
    from servers import run_command

    from reporting.db import bind, open_database
    from reporting.ops.instance import initialise

    instance = tmp_path / "pg-instance"
    with pg_schema() as url:
        initialise(str(instance), open_database(url, str(instance)), str(tmp_path / "key.txt"))
        done = run_command(instance, url, "writer", timeout=60)
        assert done.returncode == 0 and "no writer needed" in done.stdout
        assert not list(instance.glob("*.sock"))
        bind(open_database(url, str(instance)))
        assert writer_client.writer_path() is None
        row = {"id": "x" * 32}
        called = []
        writer_client.store("report", row, lambda: called.append(True))
        assert called == [True]  # written here, nothing asked of a writer
        from reporting.db import close_all

        close_all(database.obj)
