"""Staff accounts and API tokens: hashing, rules, throttling, timing parity and tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type

from reporting import accounts
from reporting.db import database
from reporting.models import ApiToken, User

PASSWORD = "correct horse battery"
# Cheap parameters keep the suite fast; the default hasher is tested on its own.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class CountingHasher(PasswordHasher):
    """A cheap hasher that counts verifications, to see the work each attempt costs."""

    def __init__(self, **kwargs) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1, **kwargs)
        self.verifications = 0

    def verify(self, hash, password):
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def db(app):
    with database.connection_context():
        yield


def test_password_hash_is_argon2id_and_never_contains_the_password(db):
    user = accounts.create_user("alice", PASSWORD, ["leadership"])
    stored = User.get_by_id(user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert accounts.DEFAULT_HASHER.type is Type.ID
    assert stored != PASSWORD and PASSWORD not in stored
    assert "correct" not in stored and "battery" not in stored


def test_created_account_has_random_id_and_ordered_roles(db):
    first = accounts.create_user("alice", PASSWORD, ["admin", "leadership"], hasher=FAST)
    second = accounts.create_user("bob", PASSWORD, ["reviewer"], hasher=FAST)
    assert len(first.id) == 32 and first.id != second.id
    assert User.get_by_id(first.id).roles == "leadership,admin"
    assert [u.username for u in accounts.list_users()] == ["alice", "bob"]


@pytest.mark.parametrize(
    ("username", "password", "roles", "error"),
    [
        ("al", PASSWORD, ["admin"], accounts.InvalidUsername),
        ("Alice", PASSWORD, ["admin"], accounts.InvalidUsername),
        ("alice smith", PASSWORD, ["admin"], accounts.InvalidUsername),
        ("a" * 81, PASSWORD, ["admin"], accounts.InvalidUsername),
        ("alice", "short pass1", ["admin"], accounts.WeakPassword),
        ("alice", "", ["admin"], accounts.WeakPassword),
        ("alice", PASSWORD, ["superuser"], accounts.InvalidRoles),
        ("alice", PASSWORD, [], accounts.InvalidRoles),
    ],
)
def test_bad_account_is_refused_and_nothing_is_stored(db, username, password, roles, error):
    with pytest.raises(error):
        accounts.create_user(username, password, roles, hasher=FAST)
    assert User.select().count() == 0


def test_duplicate_username_is_refused(db):
    accounts.create_user("alice", PASSWORD, ["admin"], hasher=FAST)
    with pytest.raises(accounts.DuplicateUser):
        accounts.create_user("alice", "another password", ["leadership"], hasher=FAST)
    assert User.select().count() == 1


def test_right_password_logs_in_and_wrong_one_fails(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    assert accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST).username == "alice"
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("alice", PASSWORD + "x", clock(), hasher=FAST)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("nobody", PASSWORD, clock(), hasher=FAST)


def test_five_failures_lock_the_account_for_a_minute_then_it_opens(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("alice", "wrong password!", clock(), hasher=FAST)
    with pytest.raises(accounts.AccountLocked) as locked:
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    assert locked.value.until == clock() + timedelta(minutes=1)
    clock.now += timedelta(seconds=59)
    with pytest.raises(accounts.AccountLocked):
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    clock.now += timedelta(seconds=2)
    assert accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST).failed_logins == 0


def test_four_failures_do_not_lock_and_a_success_resets_the_count(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    for _round in range(2):
        for _ in range(4):
            with pytest.raises(accounts.LoginFailed):
                accounts.authenticate("alice", "wrong password!", clock(), hasher=FAST)
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    assert User.by_username("alice").locked_until is None


def test_each_further_failure_doubles_the_lock(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("alice", "wrong password!", clock(), hasher=FAST)
    clock.now += timedelta(minutes=1, seconds=1)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("alice", "wrong password!", clock(), hasher=FAST)
    with pytest.raises(accounts.AccountLocked) as locked:
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    assert locked.value.until == clock() + timedelta(minutes=2)


def test_lock_durations_double_up_to_an_hour():
    assert accounts.lock_duration(4) is None
    assert [accounts.lock_duration(n) for n in (5, 6, 7, 8)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert accounts.lock_duration(11) == timedelta(hours=1)
    assert accounts.lock_duration(500) == timedelta(hours=1)


def test_throttling_is_per_account(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    accounts.create_user("bob", PASSWORD, ["leadership"], hasher=FAST)
    for _ in range(6):
        with pytest.raises((accounts.LoginFailed, accounts.AccountLocked)):
            accounts.authenticate("alice", "wrong password!", clock(), hasher=FAST)
    assert accounts.authenticate("bob", PASSWORD, clock(), hasher=FAST).username == "bob"


def test_unknown_and_locked_usernames_cost_a_hash_verification(db, clock):
    hasher = CountingHasher()
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=hasher)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("nobody", PASSWORD, clock(), hasher=hasher)
    assert hasher.verifications == 1
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("alice", "wrong password!", clock(), hasher=hasher)
    assert hasher.verifications == 2
    User.update(locked_until=clock().replace(tzinfo=None) + timedelta(minutes=5)).execute()
    with pytest.raises(accounts.AccountLocked):
        accounts.authenticate("alice", PASSWORD, clock(), hasher=hasher)
    assert hasher.verifications == 3


def test_hash_is_upgraded_when_parameters_change(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    before = User.by_username("alice").password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    accounts.authenticate("alice", PASSWORD, clock(), hasher=stronger)
    after = User.by_username("alice").password_hash
    assert after != before and "m=16,t=2" in after
    assert not stronger.check_needs_rehash(after)
    accounts.authenticate("alice", PASSWORD, clock(), hasher=stronger)
    assert User.by_username("alice").password_hash == after


def test_new_password_replaces_the_old_and_clears_a_lock(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    User.update(failed_logins=9, locked_until=clock().replace(tzinfo=None)).execute()
    accounts.set_password("alice", "a brand new password", hasher=FAST)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    assert accounts.authenticate("alice", "a brand new password", clock(), hasher=FAST)
    with pytest.raises(accounts.WeakPassword):
        accounts.set_password("alice", "short", hasher=FAST)
    with pytest.raises(accounts.UnknownUser):
        accounts.set_password("nobody", "a brand new password", hasher=FAST)


def test_removed_account_cannot_log_in(db, clock):
    accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    accounts.remove_user("alice")
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    with pytest.raises(accounts.UnknownUser):
        accounts.remove_user("alice")


def test_token_is_random_and_only_its_sha256_is_stored(db, clock):
    token_id, token = accounts.create_token("Board dashboard", now=clock())
    other_id, other = accounts.create_token("Board dashboard", now=clock())
    assert token.startswith("rpt_") and len(token) >= 4 + 43
    assert token != other and token_id != other_id and len(token_id) == 16
    row = ApiToken.get_by_id(token_id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row.__data__) and token[4:] not in str(row.__data__)
    assert row.scope == "leadership" and row.revoked is None
    holder = accounts.user_for_token(token)
    assert holder.token_id == token_id and holder.roles == frozenset({"leadership"})


def test_revoked_token_fails_at_once(db, clock):
    token_id, token = accounts.create_token("exporter", now=clock())
    assert accounts.revoke_token(token_id, now=clock()) is True
    assert accounts.user_for_token(token) is None
    assert accounts.revoke_token(token_id, now=clock()) is False
    (listed,) = accounts.list_tokens()
    assert listed.revoked is not None
    with pytest.raises(accounts.UnknownToken):
        accounts.revoke_token("0" * 16, now=clock())


@pytest.mark.parametrize("token", ["", "rpt_", "rpt_nonsense", "Bearer x", "x" * 500, None])
def test_unknown_token_is_nobody(db, token):
    accounts.create_token("exporter")
    assert accounts.user_for_token(token) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_bad_token_name_is_refused(db, name):
    with pytest.raises(accounts.InvalidTokenName):
        accounts.create_token(name)
    assert ApiToken.select().count() == 0


# The command line: `reporting user …` and `reporting token …`.


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "password.txt"
    path.write_text(PASSWORD + "\nsecond line is ignored\n")
    return path


def stored_users() -> dict[str, str]:
    with database.connection_context():
        return {u.username: u.roles for u in User.select()}


def test_cli_adds_lists_changes_and_removes_users(runner, password_file, tmp_path, clock):
    result = runner.invoke(
        args=["user", "add", "alice", "--role", "leadership", "--role", "admin",
              "--password-file", str(password_file)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created alice" in result.output
    assert stored_users() == {"alice": "leadership,admin"}
    with database.connection_context():
        assert accounts.authenticate("alice", PASSWORD, clock())

    listed = runner.invoke(args=["user", "list"])
    assert listed.exit_code == 0 and "alice\tleadership,admin" in listed.output
    assert "$argon2" not in listed.output and PASSWORD not in listed.output

    new_file = tmp_path / "new.txt"
    new_file.write_text("a brand new password\r\n")
    changed = runner.invoke(args=["user", "passwd", "alice", "--password-file", str(new_file)])
    assert changed.exit_code == 0, changed.output
    with database.connection_context():
        assert accounts.authenticate("alice", "a brand new password", clock())

    removed = runner.invoke(args=["user", "remove", "alice"])
    assert removed.exit_code == 0 and stored_users() == {}
    assert runner.invoke(args=["user", "list"]).output.strip() == "no accounts"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "add", "alice", "--role", "leadership"], "password-file"),
        (["user", "add", "alice", "--role", "chief", "--password-file", "{pw}"], "unknown role"),
        (["user", "add", "alice", "--password-file", "{pw}"], "--role"),
        (["user", "add", "Al", "--role", "admin", "--password-file", "{pw}"], "username"),
        (["user", "add", "alice", "--role", "admin", "--password-file", "{short}"], "12"),
        (["user", "add", "alice", "--role", "admin", "--password-file", "{missing}"], "exist"),
        (
            ["user", "add", "alice", "--role", "leadership", "--password-file", "{pw}",
             "--recovery-key-file", "{pw}"],
            "reviewer",
        ),
        (
            ["user", "add", "alice", "--role", "reviewer", "--password-file", "{pw}",
             "--grantor", "bob"],
            "go together",
        ),
        (
            ["user", "add", "alice", "--role", "reviewer", "--password-file", "{pw}",
             "--grantor", "bob", "--grantor-password-file", "{pw}"],
            "not a reviewer",
        ),
        (
            ["user", "add", "alice", "--role", "reviewer", "--password-file", "{pw}",
             "--recovery-key-file", "{missing}"],
            "exist",
        ),
    ],
)  # fmt: skip
def test_cli_refuses_bad_accounts_and_stores_nothing(
    runner, tmp_path, password_file, args, message
):
    short = tmp_path / "short.txt"
    short.write_text("too short\n")
    paths = {"pw": password_file, "short": short, "missing": tmp_path / "missing.txt"}
    result = runner.invoke(args=[arg.format(**paths) for arg in args])
    assert result.exit_code != 0
    assert message in result.output
    assert stored_users() == {}


def test_cli_refuses_a_duplicate_user_and_unknown_names(runner, password_file):
    add = ["user", "add", "alice", "--role", "admin", "--password-file", str(password_file)]
    assert runner.invoke(args=add).exit_code == 0
    duplicate = runner.invoke(args=add[:4] + ["leadership"] + add[5:])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert stored_users() == {"alice": "admin"}
    for args in (
        ["user", "remove", "bob"],
        ["user", "passwd", "bob", "--password-file", str(password_file)],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "no account is named 'bob'" in result.output


def test_cli_reviewer_with_recovery_key_is_granted_the_group_key(
    runner, password_file, recovery_key_file
):
    result = runner.invoke(
        args=["user", "add", "rita", "--role", "reviewer", "--password-file", str(password_file),
              "--recovery-key-file", str(recovery_key_file)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "granted review keys: default" in result.output
    assert stored_users() == {"rita": "reviewer"}


def test_cli_token_is_shown_once_listed_without_secret_and_revoked(runner):
    added = runner.invoke(args=["token", "add", "board pack"])
    assert added.exit_code == 0, added.output
    assert "shown this once" in added.output
    (token,) = [line for line in added.output.splitlines() if line.startswith("rpt_")]
    with database.connection_context():
        (row,) = ApiToken.select()
        assert accounts.user_for_token(token) is not None

    listed = runner.invoke(args=["token", "list"]).output
    assert row.id in listed and "board pack" in listed and "2026-11-14 10:30 UTC" in listed
    assert token not in listed and row.token_hash not in listed

    revoked = runner.invoke(args=["token", "revoke", row.id])
    assert revoked.exit_code == 0 and f"revoked {row.id}" in revoked.output
    with database.connection_context():
        assert accounts.user_for_token(token) is None
    assert runner.invoke(args=["token", "list"]).output.count("2026-11-14 10:30 UTC") == 2
    again = runner.invoke(args=["token", "revoke", row.id])
    assert again.exit_code == 0 and "already revoked" in again.output


def test_cli_token_refusals(runner):
    unknown = runner.invoke(args=["token", "revoke", "0123456789abcdef"])
    assert unknown.exit_code == 1 and "no token" in unknown.output
    nameless = runner.invoke(args=["token", "add", "  "])
    assert nameless.exit_code == 1
    assert runner.invoke(args=["token", "list"]).output.strip() == "no tokens"


def test_strangers_guesses_cannot_lock_out_an_owner_with_a_second_factor(db, clock):
    from reporting import totp

    user = accounts.create_user("alice", PASSWORD, ["leadership"], hasher=FAST)
    secret = totp.enrol(user)
    for _ in range(7):
        with pytest.raises((accounts.LoginFailed, accounts.AccountLocked)):
            accounts.authenticate("alice", "wrong password!", clock(), hasher=FAST)
    assert User.by_username("alice").locked_until is not None
    with pytest.raises(accounts.AccountLocked):  # the password alone does not open it
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST)
    with pytest.raises(accounts.AccountLocked):  # nor a wrong code
        accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST, code="000000")
    code = totp.code_at(secret, clock())
    opened = accounts.authenticate("alice", PASSWORD, clock(), hasher=FAST, code=code)
    assert opened.failed_logins == 0 and opened.locked_until is None
