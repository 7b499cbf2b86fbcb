"""Review keys per group, opened by members' passwords or the recovery key; sessions; TOTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import csrf_token
from flask import session

from reporting import reports, totp
from reporting.db import database, open_database
from reporting.models import AuditEntry, Membership, Report, StaffKeySession, User
from reporting.ops.instance import initialise
from reporting.privacy import keys
from reporting.submissions import Submission
from reporting.web import auth

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long passphrase"
GROUPS = {"patient-safety": ["near-miss"], "ethics": ["moral-distress"]}


@pytest.fixture
def grouped_app(initialised, recovery_key_file, database_url, make_app):
    """An instance whose config routes near-misses and moral distress to two groups."""
    initialise(
        str(initialised),
        open_database(database_url, str(initialised)),
        str(recovery_key_file),
        ["default", *GROUPS],
    )
    app = make_app(REVIEW_GROUPS=GROUPS)
    yield app
    from reporting.db import close_all

    close_all(database.obj)


@pytest.fixture
def password_files(tmp_path):
    first, second = tmp_path / "pw1.txt", tmp_path / "pw2.txt"
    first.write_text(PASSWORD + "\n")
    second.write_text(OTHER_PASSWORD + "\n")
    return first, second


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def file_some(app, n_each=3):
    found = app.extensions["reporting"]
    ids = []
    with app.app_context(), database.connection_context():
        for i in range(n_each):
            for kind, category in (("near-miss", "medication"), ("moral-distress", "staffing")):
                filed = reports.file_report(
                    Submission(
                        kind=kind,
                        category=category,
                        unit="icu",
                        role="nursing",
                        narrative=f"The {kind} story number {i} about the night shift.",
                    ),
                    period="2026-11",
                    pepper=found.pepper,
                    scrubber=found.scrubber,
                    routes=found.review_routes,
                )
                ids.append(filed.receipt)
    return ids


def opened_by(username: str, password: str) -> dict[str, str]:
    """Every narrative the member's keys open, by report id."""
    user = User.by_username(username)
    held = keys.open_group_keys(user.id, keys.open_personal_key(user, password))
    opened = {}
    for report in Report.select():
        try:
            private = held.for_item(report.review_group_id, report.sealed_gen)
        except keys.NoAccess:
            continue
        opened[report.id] = reports.open_narrative(report, private)
    return opened


def test_members_and_the_recovery_key_open_their_group_and_nothing_else(
    grouped_app, password_files, recovery_key_file
):
    first, second = password_files
    cli(grouped_app, "user", "add", "alice", "--role", "reviewer", "--password-file", first,
        "--recovery-key-file", recovery_key_file, "--group", "patient-safety")  # fmt: skip
    cli(grouped_app, "user", "add", "bob", "--role", "reviewer", "--password-file", second,
        "--grantor", "alice", "--grantor-password-file", first)  # fmt: skip
    cli(grouped_app, "user", "add", "carol", "--role", "reviewer", "--password-file", first,
        "--recovery-key-file", recovery_key_file, "--group", "ethics")  # fmt: skip
    file_some(grouped_app)
    with grouped_app.app_context(), database.connection_context():
        near_misses = {r.id for r in Report.select() if r.kind == "near-miss"}
        distress = {r.id for r in Report.select() if r.kind == "moral-distress"}
        assert {r.review_group_id for r in Report.select()} == {"patient-safety", "ethics"}
        alice, bob = opened_by("alice", PASSWORD), opened_by("bob", OTHER_PASSWORD)
        carol = opened_by("carol", PASSWORD)
        assert set(alice) == set(bob) == near_misses
        assert set(carol) == distress
        assert all("story number" in text for text in {**alice, **carol}.values())
        secret_text = recovery_key_file.read_text()
        for group, expected in (("patient-safety", near_misses), ("ethics", distress)):
            private = keys.unlock_with_recovery_key(secret_text, group)
            for report in Report.select().where(Report.id.in_(list(expected))):
                assert "story number" in reports.open_narrative(report, private)
        # Carol's key does not open a near-miss even when tried directly.
        carol_user = User.by_username("carol")
        carol_keys = keys.open_group_keys(
            carol_user.id, keys.open_personal_key(carol_user, PASSWORD)
        )
        (ethics_private,) = carol_keys.keys.values()
        report = Report.get_by_id(next(iter(near_misses)))
        with pytest.raises(Exception):  # noqa: B017 (CryptoError: wrong key)
            reports.open_narrative(report, ethics_private)
        bob_user = User.by_username("bob")
        bob_personal = keys.open_personal_key(bob_user, OTHER_PASSWORD)

    cli(grouped_app, "user", "remove", "bob")
    with grouped_app.app_context(), database.connection_context():
        assert Membership.select().where(Membership.user == bob_user.id).count() == 0
        # Even his private key, had he kept a copy, opens no group key any more.
        assert keys.open_group_keys(bob_user.id, bob_personal).keys == {}


def test_wrong_grantor_password_and_unknown_group_change_nothing(
    grouped_app, password_files, recovery_key_file
):
    first, second = password_files
    cli(grouped_app, "user", "add", "alice", "--role", "reviewer", "--password-file", first,
        "--recovery-key-file", recovery_key_file)  # fmt: skip
    runner = grouped_app.test_cli_runner()
    wrong = runner.invoke(args=["user", "add", "bob", "--role", "reviewer", "--password-file",
                                str(second), "--grantor", "alice", "--grantor-password-file",
                                str(second)])  # fmt: skip
    assert wrong.exit_code == 1 and "password is wrong" in wrong.output
    unknown = runner.invoke(args=["user", "add", "bob", "--role", "reviewer", "--password-file",
                                  str(second), "--recovery-key-file", str(recovery_key_file),
                                  "--group", "surgery"])  # fmt: skip
    assert unknown.exit_code == 1 and "no review group surgery" in unknown.output
    with grouped_app.app_context(), database.connection_context():
        assert User.by_username("bob") is None
        assert Membership.select().count() == 3  # alice: default, patient-safety, ethics


def log_in(client, username, password=PASSWORD, code=None):
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    if code is not None:
        data["code"] = code
    return client.post("/login", data=data)


def test_login_unlocks_keys_for_the_session_only_and_logout_or_idling_ends_it(
    grouped_app, password_files, recovery_key_file, clock
):
    first, _ = password_files
    cli(grouped_app, "user", "add", "alice", "--role", "reviewer", "--password-file", first,
        "--recovery-key-file", recovery_key_file)  # fmt: skip
    client = grouped_app.test_client()
    with client:
        assert log_in(client, "alice").status_code == 302
        held = auth.current_group_keys()
        assert held is not None and held.groups() == {"default", *GROUPS}
        kept_cookie = client.get_cookie("session").value
        session_id = session[auth.KEY_SESSION]
    with grouped_app.app_context(), database.connection_context():
        unlocked = AuditEntry.select().where(AuditEntry.action == "keys-unlocked").get()
        assert unlocked.actor == "alice" and "patient-safety" in unlocked.detail
        row = StaffKeySession.get_by_id(session_id)
        # The row alone is only ciphertext: the cookie's secret is not in the database.
        personal = keys.open_personal_key(User.by_username("alice"), PASSWORD)
        assert personal not in bytes(row.encrypted_private_key)

    # Another client holding only the cookie gets the keys (another worker or instance).
    other = grouped_app.test_client()
    other.set_cookie("session", kept_cookie)
    with other:
        other.get("/login")
        assert auth.current_group_keys() is not None

    with client:
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/login").get_data(True))})
    with grouped_app.app_context(), database.connection_context():
        assert StaffKeySession.select().count() == 0
    replay = grouped_app.test_client()
    replay.set_cookie("session", kept_cookie)
    with replay:
        replay.get("/login")
        assert auth.current_group_keys() is None

    fresh = grouped_app.test_client()
    with fresh:
        log_in(fresh, "alice")
        assert auth.current_group_keys() is not None
    clock.now += timedelta(minutes=31)
    with fresh:
        fresh.get("/login")
        assert auth.current_group_keys() is None
    with grouped_app.app_context(), database.connection_context():
        assert StaffKeySession.select().count() == 0


def test_password_change_keeps_keys_with_the_old_password_and_drops_them_without(
    grouped_app, password_files, recovery_key_file
):
    first, second = password_files
    cli(grouped_app, "user", "add", "alice", "--role", "reviewer", "--password-file", first,
        "--recovery-key-file", recovery_key_file)  # fmt: skip
    file_some(grouped_app, n_each=1)
    out = cli(grouped_app, "user", "passwd", "alice", "--password-file", second,
              "--old-password-file", first)  # fmt: skip
    assert "kept" in out
    with grouped_app.app_context(), database.connection_context():
        assert len(opened_by("alice", OTHER_PASSWORD)) == 2
    out = cli(grouped_app, "user", "passwd", "alice", "--password-file", first)
    assert "holds no review key" in out
    with grouped_app.app_context(), database.connection_context():
        assert opened_by("alice", PASSWORD) == {}
    cli(grouped_app, "user", "grant", "alice", "--recovery-key-file", recovery_key_file)
    with grouped_app.app_context(), database.connection_context():
        assert len(opened_by("alice", PASSWORD)) == 2


def test_an_existing_reviewer_gets_a_key_pair_at_login_and_can_then_be_granted(
    grouped_app, recovery_key_file
):
    from reporting import accounts

    with grouped_app.app_context(), database.connection_context():
        accounts.create_user("rita", PASSWORD, ["reviewer"])  # as before review keys
    client = grouped_app.test_client()
    assert log_in(client, "rita").status_code == 302
    cli(grouped_app, "user", "grant", "rita", "--recovery-key-file", recovery_key_file)
    with grouped_app.app_context(), database.connection_context():
        assert Membership.select().count() == 3


def test_totp_is_needed_once_enrolled_and_a_code_works_once(
    grouped_app, password_files, recovery_key_file, clock
):
    first, _ = password_files
    cli(grouped_app, "user", "add", "alice", "--role", "reviewer", "--password-file", first,
        "--recovery-key-file", recovery_key_file)  # fmt: skip
    out = cli(grouped_app, "user", "totp", "alice")
    secret = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("secret"))
    assert "otpauth://totp/" in out
    assert log_in(grouped_app.test_client(), "alice").status_code == 401
    assert log_in(grouped_app.test_client(), "alice", code="000000").status_code in (401,)
    code = totp.code_at(secret, clock.now)
    assert log_in(grouped_app.test_client(), "alice", code=code).status_code == 302
    assert log_in(grouped_app.test_client(), "alice", code=code).status_code == 401  # replay
    clock.now += timedelta(seconds=60)
    later = totp.code_at(secret, clock.now)
    assert log_in(grouped_app.test_client(), "alice", code=later).status_code == 302


def test_roles_that_must_use_totp_cannot_log_in_without_it(
    initialised, make_app, password_files, recovery_key_file, clock
):
    app = make_app(REQUIRE_TOTP_FOR=("reviewer", "admin"))
    first, _ = password_files
    cli(app, "user", "add", "alice", "--role", "reviewer", "--password-file", first)
    cli(app, "user", "add", "lena", "--role", "leadership", "--password-file", first)
    refused = log_in(app.test_client(), "alice")
    assert refused.status_code == 403 and "authentication code" in refused.get_data(True)
    assert log_in(app.test_client(), "alice", OTHER_PASSWORD).status_code == 401
    assert log_in(app.test_client(), "lena").status_code == 302
    out = cli(app, "user", "totp", "alice")
    secret = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("secret"))
    assert (
        log_in(app.test_client(), "alice", code=totp.code_at(secret, clock.now)).status_code == 302
    )
