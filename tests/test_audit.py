"""The audit log: a clean chain verifies; edits, removals, swaps and truncation are named.

Tampering is done the way someone with only the database would do it: rows changed,
deleted or swapped directly, never through the app. Appends race from real threads and
processes against the real database. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import getpass
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from conftest import csrf_token

from reporting import accounts, audit
from reporting.db import bind, close_all, database, open_database
from reporting.models import AuditEntry
from reporting.web.auditing import audit as record

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CLI_ACTOR = "cli:" + getpass.getuser()
ADDRESSES = ("203.0.113.77", "198.51.100.23", "127.66.55.44")
USER_AGENT = "Distinctive-Agent/9.9 (ZQXJ-fingerprint-7781)"
DISTINCTIVE_HEADERS = {
    "X-Forwarded-For": ADDRESSES[0],
    "X-Real-IP": ADDRESSES[1],
    "User-Agent": USER_AGENT,
}


@pytest.fixture
def backend_app(app, backend):
    """The app on both backends (``backend`` makes each test run on SQLite and PostgreSQL)."""
    return app


def append_entries(app, n: int, action: str = "report-view") -> None:
    """Entries as the command line would record them (actor cli:<user>)."""
    with app.app_context(), database.connection_context():
        for i in range(n):
            record(action, f"object-{i + 1}", {"i": i + 1})


def verify_cli(app, *extra: str):
    return app.test_cli_runner().invoke(args=["audit", "verify", *extra])


def rows() -> list[AuditEntry]:
    with database.connection_context():
        return list(AuditEntry.select().order_by(AuditEntry.seq))


def tamper(which: int, /, **values) -> None:
    with database.connection_context():
        assert AuditEntry.update(**values).where(AuditEntry.seq == which).execute() == 1


def delete(seq: int) -> None:
    with database.connection_context():
        assert AuditEntry.delete().where(AuditEntry.seq == seq).execute() == 1


def assert_caught(app, seq: int | str, reason: str) -> str:
    result = verify_cli(app)
    assert result.exit_code != 0, result.output
    where = "the head row" if seq == "head" else f"entry {seq}"
    assert f"audit log verification FAILED at {where}:" in result.output
    assert reason in result.output
    return result.output


# ---- a clean log -----------------------------------------------------------------------


def test_clean_log_verifies_with_the_count_and_an_anchor(backend_app):
    append_entries(backend_app, 5)
    result = verify_cli(backend_app)
    assert result.exit_code == 0, result.output
    assert "audit log verified: 5 entries" in result.output
    last = rows()[-1]
    assert f"5:{last.digest}" in result.output


def test_empty_log_verifies(backend_app):
    result = verify_cli(backend_app)
    assert result.exit_code == 0, result.output
    assert "audit log verified: 0 entries" in result.output


def test_entries_are_numbered_chained_and_keyed_by_the_secret(backend_app):
    append_entries(backend_app, 3)
    stored = rows()
    assert [r.seq for r in stored] == [0, 1, 2, 3]  # row 0 is the head
    head, entries = stored[0], stored[1:]
    assert head.action == audit.HEAD_ACTION and head.object == "3"
    assert entries[0].actor == CLI_ACTOR and entries[0].action == "report-view"
    assert entries[0].object == "object-1" and entries[0].detail == '{"i":1}'
    assert entries[0].at == backend_app.config["CLOCK"]().replace(tzinfo=None)
    key = audit.key_from_secret(backend_app.config["SECRET_KEY"])
    assert entries[0].digest == audit.entry_digest(key, audit.GENESIS, entries[0])
    assert entries[1].digest == audit.entry_digest(key, entries[0].digest, entries[1])
    # The same chain under a key guessed without the SECRET_KEY does not match.
    wrong = audit.key_from_secret("x" * 64)
    assert entries[0].digest != audit.entry_digest(wrong, audit.GENESIS, entries[0])


# ---- tampering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"actor": "someone-else"},
        {"action": "login"},
        {"object": "object-99"},
        {"detail": '{"i":99}'},
        {"detail": '{"i": 3}'},  # the same JSON, written differently
        {"at": "2026-11-14 10:29:59"},
        {"digest": "0" * 64},
    ],
    ids=["actor", "action", "object", "detail", "detail-spacing", "time", "digest"],
)
def test_editing_any_field_of_an_entry_is_caught_and_named(backend_app, change):
    append_entries(backend_app, 5)
    tamper(3, **change)
    assert_caught(backend_app, 3, "does not match its digest")


def test_an_edit_with_the_chain_recomputed_without_the_secret_is_caught(backend_app):
    append_entries(backend_app, 5)
    guessed = audit.key_from_secret("a guess at the secret key, made from the database alone")
    stored = rows()
    previous = stored[2].digest
    with database.connection_context():
        for entry in stored[3:]:
            if entry.seq == 3:
                entry.actor = "someone-else"
            entry.digest = audit.entry_digest(guessed, previous, entry)
            entry.save()
            previous = entry.digest
    assert_caught(backend_app, 3, "does not match its digest")


def test_deleting_an_entry_in_the_middle_is_caught(backend_app):
    append_entries(backend_app, 5)
    delete(3)
    assert_caught(backend_app, 3, "entry 3 was removed from the log")


def test_deleting_and_renumbering_the_rest_is_caught(backend_app):
    append_entries(backend_app, 5)
    delete(3)
    for seq in (4, 5):
        tamper(seq, seq=seq - 1)
    assert_caught(backend_app, 3, "does not match its digest")


def test_deleting_the_last_entry_is_caught_by_the_head(backend_app):
    append_entries(backend_app, 5)
    delete(5)
    assert_caught(backend_app, 5, "entry 5 was removed from the end of the log")


def test_deleting_the_last_entries_and_rewriting_the_head_is_caught(backend_app):
    append_entries(backend_app, 5)
    fourth = rows()[3]
    delete(5)
    tamper(0, object="3", detail=f'{{"count": 3, "last": "{fourth.digest}"}}')
    delete(4)
    assert_caught(backend_app, "head", "the head row was changed")


def test_deleting_the_head_row_is_caught(backend_app):
    append_entries(backend_app, 3)
    delete(0)
    assert_caught(backend_app, "head", "the head row (count and last digest) is missing")


@pytest.mark.parametrize("how", ["contents", "numbers"])
def test_swapping_two_entries_is_caught_at_the_first(backend_app, how):
    append_entries(backend_app, 5)
    second, fourth = rows()[2], rows()[4]
    if how == "contents":
        fields = ("at", "actor", "action", "object", "detail", "digest")
        tamper(2, **{f: getattr(fourth, f) for f in fields})
        tamper(4, **{f: getattr(second, f) for f in fields})
    else:
        tamper(2, seq=99)
        tamper(4, seq=2)
        tamper(99, seq=4)
    assert_caught(backend_app, 2, "does not match its digest")


def test_a_rollback_of_the_whole_log_needs_an_anchor_kept_elsewhere(backend_app):
    """Truncating to an earlier state and restoring that state's head is not in the chain."""
    append_entries(backend_app, 3)
    old_head = rows()[0]
    append_entries(backend_app, 2)
    anchor = verify_cli(backend_app).output.split("--anchor): ")[1].strip()
    assert anchor.startswith("5:")
    delete(5)
    delete(4)
    tamper(0, object=old_head.object, detail=old_head.detail, digest=old_head.digest)
    assert verify_cli(backend_app).exit_code == 0  # the documented limit
    result = verify_cli(backend_app, "--anchor", anchor)
    assert result.exit_code != 0
    assert "entry 5 of the anchor is not in the log" in result.output
    assert verify_cli(backend_app, "--anchor", "not-an-anchor").exit_code == 2


def test_entries_written_under_a_previous_secret_key_still_verify(make_app, backend):
    old_secret, new_secret = "o" * 64, "n" * 64
    first = make_app(SECRET_KEY=old_secret)
    append_entries(first, 2)
    rotated = make_app(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[old_secret])
    append_entries(rotated, 2)
    result = verify_cli(rotated)
    assert result.exit_code == 0, result.output
    assert "4 entries" in result.output
    assert_caught(make_app(SECRET_KEY=new_secret), 1, "does not match its digest")
    close_all(database.obj)


# ---- appends from many writers -----------------------------------------------------------


def test_concurrent_appends_from_threads_keep_one_chain(backend_app):
    key = audit.key_from_secret(backend_app.config["SECRET_KEY"])
    now = backend_app.config["CLOCK"]()
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for i in range(15):
                with database.connection_context():
                    audit.append(key, at=now, actor=name, action="thread", obj=str(i))
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = rows()
    assert [r.seq for r in stored] == list(range(46))
    assert sorted(r.actor for r in stored[1:]) == ["t0"] * 15 + ["t1"] * 15 + ["t2"] * 15
    with database.connection_context():
        assert audit.verify(key) == audit.Verification(45, head_digest=stored[-1].digest)


def _append_from_process(url, instance_path, key, name, n, ready) -> None:
    bind(open_database(url, instance_path))
    ready.wait()
    now = datetime(2026, 11, 14, 10, 30, tzinfo=UTC)
    for i in range(n):
        with database.connection_context():
            audit.append(key, at=now + timedelta(seconds=i), actor=name, action="process")


def test_concurrent_appends_from_processes_keep_one_chain(backend_app, database_url):
    key = audit.key_from_secret(backend_app.config["SECRET_KEY"])
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    workers = [
        context.Process(
            target=_append_from_process,
            args=(database_url, backend_app.instance_path, key, f"p{n}", 12, ready),
        )
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    ready.set()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    result = verify_cli(backend_app)
    assert result.exit_code == 0, result.output
    assert "audit log verified: 36 entries" in result.output
    actors = [r.actor for r in rows()[1:]]
    assert sorted(set(actors)) == ["p0", "p1", "p2"]


def test_an_append_inside_a_callers_transaction_commits_with_it(backend_app):
    with backend_app.app_context(), database.connection_context():
        with database.atomic():
            accounts.create_user("inside", PASSWORD, ["admin"], hasher=FAST)
            record("user-add", "inside")
        with pytest.raises(RuntimeError), database.atomic():
            record("user-add", "rolled-back")
            raise RuntimeError
    assert [r.object for r in rows()[1:]] == ["inside"]
    assert verify_cli(backend_app).exit_code == 0


def test_a_detail_that_is_not_json_is_refused_and_nothing_is_written(backend_app):
    with backend_app.app_context(), database.connection_context():
        with pytest.raises(audit.AuditError):
            record("export", "x", {"when": object()})
        record("login-failed", "u" * 500)
    stored = rows()
    assert len(stored) == 2 and len(stored[1].object) == audit.MAX_OBJECT
    assert verify_cli(backend_app).exit_code == 0


# ---- what is recorded, and by whom --------------------------------------------------------


@pytest.fixture
def staff_app(backend_app):
    with backend_app.app_context(), database.connection_context():
        accounts.create_user("boss", PASSWORD, ["admin"], hasher=FAST)
        accounts.create_user("lead", PASSWORD, ["leadership"], hasher=FAST)
    return backend_app


def log_in(client, username: str, password: str = PASSWORD, **kwargs):
    page = client.get("/login", **kwargs).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    return client.post("/login", data=data, **kwargs)


def log_out(client, **kwargs):
    token = csrf_token(client.get("/login", **kwargs).get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token}, **kwargs)


def logged() -> list[tuple[str, str, str]]:
    return [(r.actor, r.action, r.object) for r in rows()[1:]]


def test_login_failure_success_logout_and_a_token_are_logged_with_actor_and_action(staff_app):
    client = staff_app.test_client()
    assert log_in(client, "boss", "wrong password!").status_code == 401
    assert log_in(client, " Nobody ").status_code == 401
    assert log_in(client, "boss").status_code == 302
    assert log_out(client).status_code == 302
    assert log_out(client).status_code == 302  # nobody logged in: nothing to record
    result = staff_app.test_cli_runner().invoke(args=["token", "add", "power-bi"])
    assert result.exit_code == 0, result.output
    token_id = result.output.split()[1]
    result = staff_app.test_cli_runner().invoke(args=["token", "revoke", token_id])
    assert result.exit_code == 0, result.output
    assert logged() == [
        ("anonymous", "login-failed", "boss"),
        ("anonymous", "login-failed", "nobody"),
        ("boss", "login", "boss"),
        ("boss", "logout", ""),
        (CLI_ACTOR, "token-add", token_id),
        (CLI_ACTOR, "token-revoke", token_id),
    ]
    assert rows()[5].detail == '{"name":"power-bi"}'
    assert verify_cli(staff_app).exit_code == 0


def test_user_changes_on_the_command_line_are_logged(staff_app, tmp_path):
    password_file = tmp_path / "password.txt"
    password_file.write_text("another long password\n")
    runner = staff_app.test_cli_runner()
    for args in (
        ["user", "add", "carol", "--role", "leadership", "--password-file", str(password_file)],
        ["user", "passwd", "carol", "--password-file", str(password_file)],
        ["user", "remove", "carol"],
        ["user", "add", "bad name", "--role", "leadership", "--password-file", str(password_file)],
    ):
        runner.invoke(args=args)
    assert logged() == [
        (CLI_ACTOR, "user-add", "carol"),
        (CLI_ACTOR, "user-passwd", "carol"),
        (CLI_ACTOR, "user-remove", "carol"),
    ]
    assert rows()[1].detail == '{"granted":[],"roles":["leadership"]}'


def test_a_bearer_tokens_actions_are_logged_under_its_name(staff_app):
    with staff_app.app_context(), database.connection_context():
        _, token = accounts.create_token("power-bi", now=staff_app.config["CLOCK"]())

    @staff_app.get("/test/audited")
    def audited():
        from flask import g

        g.token_holder = accounts.user_for_token(token)
        record("export", "trends.json")
        return "ok"

    assert staff_app.test_client().get("/test/audited").status_code == 200
    assert logged() == [("token:power-bi", "export", "trends.json")]


def test_releases_and_csv_exports_are_logged(released, backend):
    with released.app_context(), database.connection_context():
        accounts.create_user("lead", PASSWORD, ["leadership"], hasher=FAST)
    client = released.test_client()
    log_in(client, "lead")
    response = client.get("/dashboard/export.csv?granularity=month")
    assert response.status_code == 200
    entries = logged()
    assert [e for e in entries if e[1] == "release-built"] == [
        ("app", "release-built", month) for month in ("2026-07", "2026-08", "2026-09")
    ]
    assert entries[-1] == ("lead", "export", "trends.csv")
    assert '"granularity":"month"' in rows()[-1].detail
    released.config["CLOCK"].now = datetime(2026, 11, 5, 12, tzinfo=UTC)
    result = released.test_cli_runner().invoke(args=["release"])
    assert result.exit_code == 0, result.output
    assert logged()[-1] == (CLI_ACTOR, "release-built", "2026-10")
    assert verify_cli(released).exit_code == 0


def test_reporters_are_never_logged_and_no_entry_holds_an_address_or_agent(staff_app):
    reporter = staff_app.test_client()
    reporter.environ_base["REMOTE_ADDR"] = ADDRESSES[2]
    response = reporter.post(
        "/api/v1/reports",
        json={"kind": "near-miss", "category": "fall", "narrative": "A fall was stopped."},
        headers=DISTINCTIVE_HEADERS,
    )
    assert response.status_code == 201
    receipt = response.get_json()["receipt"]
    lookup = reporter.post(
        "/api/v1/follow-up", json={"receipt": receipt}, headers=DISTINCTIVE_HEADERS
    )
    assert lookup.status_code == 200
    assert reporter.get("/report", headers=DISTINCTIVE_HEADERS).status_code == 200
    assert rows() == []  # no entry, not even a head

    # An anonymous visitor's request reaching a privileged verb is not recorded either.
    with staff_app.test_request_context("/follow-up", headers=DISTINCTIVE_HEADERS):
        staff_app.preprocess_request()
        record("report-view", "some-report")
    assert rows() == []

    staff = staff_app.test_client()
    staff.environ_base["REMOTE_ADDR"] = ADDRESSES[2]
    log_in(staff, "boss", "wrong password!", headers=DISTINCTIVE_HEADERS)
    log_in(staff, "boss", headers=DISTINCTIVE_HEADERS)
    staff.get("/admin/audit", headers=DISTINCTIVE_HEADERS)
    log_out(staff, headers=DISTINCTIVE_HEADERS)
    stored = rows()
    assert [r.action for r in stored[1:]] == ["login-failed", "login", "logout"]
    for row in stored:
        text = " ".join(str(v) for v in row.__data__.values())
        for forbidden in (*ADDRESSES, USER_AGENT, "ZQXJ", "Distinctive-Agent", receipt):
            assert forbidden not in text


# ---- reading the log ----------------------------------------------------------------------


def test_admin_reads_the_log_page_by_page_newest_first(staff_app):
    append_entries(staff_app, 120)
    admin = staff_app.test_client()
    log_in(admin, "boss")
    first = admin.get("/admin/audit")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "121 entries, page 1 of 3" in page
    assert "object-120" in page and "object-72<" in page and "object-71<" not in page
    assert page.index("object-120") < page.index("object-119")
    last = admin.get("/admin/audit?page=3").get_data(as_text=True)
    assert "object-1<" in last and "object-21<" in last and "object-22<" not in last
    beyond = admin.get("/admin/audit?page=999").get_data(as_text=True)
    assert "page 3 of 3" in beyond
    only_logins = admin.get("/admin/audit?action=login&actor=boss").get_data(as_text=True)
    assert "1 entry" in only_logins and "object-" not in only_logins
    assert admin.get("/admin/audit?page=abc").status_code == 200
    assert admin.post("/admin/audit").status_code in (400, 405)


def test_leadership_gets_403_and_anonymous_visitors_the_login_page(staff_app):
    lead = staff_app.test_client()
    log_in(lead, "lead")
    assert lead.get("/admin/audit").status_code == 403
    anonymous = staff_app.test_client().get("/admin/audit")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=/admin/audit")


def test_audit_list_on_the_command_line_filters_and_limits(staff_app):
    append_entries(staff_app, 3)
    log_in(staff_app.test_client(), "boss")
    runner = staff_app.test_cli_runner()
    listing = runner.invoke(args=["audit", "list", "--limit", "2"]).output.splitlines()
    assert listing[0].startswith("seq\ttime (UTC)\tactor")
    assert [line.split("\t")[0] for line in listing[1:]] == ["4", "3"]
    mine = runner.invoke(args=["audit", "list", "--actor", "boss", "--action", "login"]).output
    assert mine.splitlines()[1].split("\t")[1:5] == ["2026-11-14 10:30:00", "boss", "login", "boss"]
    assert runner.invoke(args=["audit", "list", "--action", "purge"]).output == "no entries\n"
    assert runner.invoke(args=["audit", "list", "--limit", "0"]).exit_code == 2
