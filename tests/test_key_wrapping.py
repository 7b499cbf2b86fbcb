"""A reviewer's key is wrapped at least as hard as their login hash, and their password is strong.

The wrapping's argon2id parameters are stored with it, so a key wrapped under the old
(19 MiB, 2 passes) profile still opens and is re-wrapped under today's at the next login.
A reviewer's password, which is all that wraps the key, must be 14 characters or more and
not common, breached, a pattern or the username.
"""

from __future__ import annotations

import secrets

import pytest
from argon2 import extract_parameters
from conftest import csrf_token

from reporting import accounts
from reporting.db import database
from reporting.models import Membership, User
from reporting.privacy import crypto, keys, password_keys

PASSWORD = "correct horse battery"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def add_reviewer(app, tmp_path, recovery_key_file, password=PASSWORD, name="alice"):
    path = tmp_path / f"{name}.txt"
    path.write_text(password + "\n")
    return cli(app, "user", "add", name, "--role", "reviewer", "--password-file", path,
               "--recovery-key-file", recovery_key_file)  # fmt: skip


def log_in(client, username, password=PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    return client.post("/login", data=data)


def test_the_wrapping_costs_at_least_what_the_login_hash_does(app, tmp_path, recovery_key_file):
    assert add_reviewer(app, tmp_path, recovery_key_file).exit_code == 0
    with app.app_context(), database.connection_context():
        user = User.by_username("alice")
        stored = password_keys.PasswordKeyParams.decode(user.key_params)
        login = extract_parameters(user.password_hash)
    assert user.key_params.startswith("argon2id$")
    assert stored.memory_kib >= login.memory_cost >= 64 * 1024
    assert stored.time_cost >= login.time_cost >= 3
    assert stored.parallelism >= login.parallelism
    assert not stored.weaker_than(password_keys.PASSWORD_KEY)


def test_an_old_wrapping_still_opens_and_is_rewrapped_at_the_next_login(
    app, tmp_path, recovery_key_file
):
    assert add_reviewer(app, tmp_path, recovery_key_file).exit_code == 0
    with app.app_context(), database.connection_context():
        user = User.by_username("alice")
        private = keys.open_personal_key(user, PASSWORD)
        # As an instance from before: the old profile, and no parameters stored.
        salt = secrets.token_bytes(16)
        old = password_keys.derive_password_key(PASSWORD, salt, password_keys.LEGACY_PASSWORD_KEY)
        wrapped = crypto.wrap_private_key(private, old, keys.personal_context(user.id))
        User.update(wrapped_private_key=wrapped, key_salt=salt, key_params=None).where(
            User.id == user.id
        ).execute()
    client = app.test_client()
    assert log_in(client, "alice").status_code == 302
    with app.app_context(), database.connection_context():
        user = User.by_username("alice")
        assert user.key_params == password_keys.PASSWORD_KEY.encode()
        assert bytes(user.wrapped_private_key) != wrapped and bytes(user.key_salt) != salt
        # The same key pair, so the group keys sealed to it still open.
        assert keys.open_personal_key(user, PASSWORD) == private
        held = keys.open_group_keys(user.id, private)
        assert held.groups() == {"default"} and Membership.select().count() == 1
        with pytest.raises(crypto.CryptoError):
            crypto.unwrap_private_key(user.wrapped_private_key, old, keys.personal_context(user.id))


def test_an_altered_parameter_row_opens_nothing(app, tmp_path, recovery_key_file):
    assert add_reviewer(app, tmp_path, recovery_key_file).exit_code == 0
    with app.app_context(), database.connection_context():
        User.update(key_params="argon2id$m=99999999,t=1,p=1").execute()
        with pytest.raises(keys.WrongSecret):
            keys.open_personal_key(User.by_username("alice"), PASSWORD)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Tr0ub4dor&3x", "at least 14 characters"),
        ("password123456", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("qwertyuiopasdfgh", "too easy to guess"),
        ("alice.smith2026!", "too easy to guess"),
    ],
)
def test_a_weak_reviewer_password_is_refused_with_the_reason(
    app, tmp_path, recovery_key_file, password, reason
):
    result = add_reviewer(app, tmp_path, recovery_key_file, password, name="alice.smith")
    assert result.exit_code != 0 and reason in result.output
    with app.app_context(), database.connection_context():
        assert User.by_username("alice.smith") is None
        with pytest.raises(accounts.WeakPassword, match=reason):
            accounts.create_user("alice.smith", password, ["reviewer"])


def test_the_rule_is_for_reviewers_and_applies_to_their_password_changes(
    app, tmp_path, recovery_key_file
):
    weak = tmp_path / "weak.txt"
    weak.write_text("password123456\n")
    result = cli(app, "user", "add", "lead", "--role", "leadership", "--password-file", weak)
    assert result.exit_code == 0, result.output  # 12+ characters is the rule for other roles
    assert add_reviewer(app, tmp_path, recovery_key_file).exit_code == 0
    changed = cli(app, "user", "passwd", "alice", "--password-file", weak)
    assert changed.exit_code != 0 and "too easy to guess" in changed.output
    with app.app_context(), database.connection_context():
        with pytest.raises(accounts.WeakPassword):
            accounts.set_password("alice", "password123456")
        assert keys.open_personal_key(User.by_username("alice"), PASSWORD) is not None
