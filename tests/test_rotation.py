"""Key rotation: every item re-wrapped to the new keys only, resumable after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reporting import reports
from reporting.db import database
from reporting.models import Membership, Message, Note, Report, ReviewGroup, User
from reporting.privacy import crypto, keys, rotation
from reporting.review import conversation, notes
from reporting.submissions import Submission

PASSWORD = "correct horse battery"


def fill(app, n: int) -> None:
    found = app.extensions["reporting"]
    items = [
        (
            "2026-10",
            Submission(
                kind="near-miss",
                category="medication",
                unit="icu",
                role="nursing",
                narrative=f"Rotation test narrative {i}, the pump was set wrong.",
            ),
        )
        for i in range(n)
    ]
    with app.app_context(), database.connection_context():
        reports.store_prepared(items, pepper=found.pepper)


def add_reviewer(app, tmp_path, recovery_key_file, name="alice") -> None:
    password_file = tmp_path / f"{name}.txt"
    password_file.write_text(PASSWORD + "\n")
    result = app.test_cli_runner().invoke(
        args=["user", "add", name, "--role", "reviewer", "--password-file", str(password_file),
              "--recovery-key-file", str(recovery_key_file)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def readable_with(private: bytes) -> int:
    opened = 0
    for report in Report.select():
        try:
            reports.open_narrative(report, private)
            opened += 1
        except crypto.CryptoError:
            pass
    return opened


def converse(app) -> str:
    """A filed report with a reply, a reporter's answer and a note; returns the receipt."""
    found = app.extensions["reporting"]
    with app.app_context(), database.connection_context():
        filed = reports.file_report(
            Submission(kind="near-miss", category="medication", unit="icu", role="nursing",
                       narrative="Rotation test narrative with a conversation."),
            period="2026-10", pepper=found.pepper, scrubber=found.scrubber,
        )  # fmt: skip
        conversation.open_reply_channel(filed.receipt, found.pepper)
        report = Report.get(Report.narrative.is_null(False) & Report.reply_key.is_null(False))
        conversation.post_reply(report, "Thank you, we are looking into it.",
                                period="2026-11", scrubber=found.scrubber,
                                max_chars=2000)  # fmt: skip
        conversation.post_reporter_message(
            filed.receipt, "It happened again last week.", pepper=found.pepper,
            period="2026-11", scrubber=found.scrubber, max_chars=2000,
        )  # fmt: skip
        notes.add_note(report, "alice", "Check the pump library version.", period="2026-11")
    return filed.receipt


def reviewer_texts(private: bytes) -> list[str]:
    """Every note and message the group key opens (raises on a wrong key)."""
    held = keys.GroupKeys({("default", ReviewGroup.default().key_gen): private})
    texts = []
    for report in Report.select().where(Report.reply_key.is_null(False)):
        texts += [n.text for n in notes.list_notes(report, held)]
        texts += [m.text for m in conversation.thread_for_reviewer(report, held)]
    return texts


def test_rotation_rewraps_everything_and_old_keys_open_nothing(
    app, tmp_path, recovery_key_file, clock
):
    add_reviewer(app, tmp_path, recovery_key_file)
    fill(app, 39)
    receipt = converse(app)
    with app.app_context(), database.connection_context():
        old_private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
        assert readable_with(old_private) == 40
        assert len(reviewer_texts(old_private)) == 2  # the answer waits for the batch
        user = User.by_username("alice")
        result = rotation.rotate(
            "default",
            rotation.Opener(user=user, password=PASSWORD),
            now=clock,
            cache_seconds=5,
            sleep=lambda seconds: None,
        )
        assert result.new_gen == 2 and result.rewrapped == 43 and result.members == 1
        group = ReviewGroup.default()
        assert group.key_gen == 2 and group.switched is None
        assert group.previous_recovery_wrapped is None and group.next_public_key is None
        assert {r.sealed_gen for r in Report.select()} == {2}
        assert readable_with(old_private) == 0
        new_private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
        assert new_private != old_private and readable_with(new_private) == 40
        assert sorted(reviewer_texts(new_private)) == [
            "Check the pump library version.",
            "Thank you, we are looking into it.",
        ]
        for row in Message.select():
            assert crypto.open_sealed(row.body, new_private, conversation.message_context(row))
        for row in [*Note.select(), *Message.select()]:
            assert row.sealed_gen == 2
            with pytest.raises(crypto.CryptoError):
                crypto.open_sealed(row.body, old_private, b"any")
        pepper = app.extensions["reporting"].pepper
        thread = conversation.thread_by_receipt(receipt, pepper=pepper)
        assert [m.text for m in thread.messages] == [
            "Thank you, we are looking into it.",
            "It happened again last week.",
        ]
        held = keys.open_group_keys(user.id, keys.open_personal_key(user, PASSWORD))
        assert set(held.keys) == {("default", 2)}
        assert Membership.select().where(Membership.key_gen == 1).count() == 0


def test_a_wrong_opener_changes_nothing(app, tmp_path, recovery_key_file, clock):
    fill(app, 3)
    with app.app_context(), database.connection_context():
        wrong = rotation.Opener(recovery_secret=crypto.new_secret_key())
        with pytest.raises(keys.WrongSecret):
            rotation.rotate("default", wrong, now=clock, cache_seconds=0, sleep=lambda s: None)
        group = ReviewGroup.default()
        assert group.key_gen == 1 and group.next_public_key is None


def _reporting(instance_dir: Path, database_url: str | None, *args: str, **popen):
    env = dict(os.environ, REPORTING_INSTANCE_PATH=str(instance_dir))
    env.pop("REPORTING_DATABASE_URL", None)
    if database_url:
        env["REPORTING_DATABASE_URL"] = database_url
    command = [sys.executable, "-c", "from reporting.ops.commands import main; main()", *args]
    return subprocess.Popen(command, env=env, **popen)


def test_rotation_killed_halfway_and_run_again_ends_with_new_keys_only(
    app, initialised, database_url, tmp_path, recovery_key_file
):
    fill(app, 1500)
    with app.app_context(), database.connection_context():
        old_private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
    args = ("rotate-key", "--recovery-key-file", str(recovery_key_file))
    first = _reporting(
        initialised, database_url, *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    killed_after = None
    try:
        with app.app_context(), database.connection_context():
            while time.monotonic() < deadline and first.poll() is None:
                moved = Report.select().where(Report.sealed_gen == 2).count()
                if moved:
                    first.send_signal(signal.SIGKILL)
                    killed_after = moved
                    break
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(timeout=30)
    assert killed_after is not None, first.stdout.read().decode()
    with app.app_context(), database.connection_context():
        group = ReviewGroup.default()
        assert group.switched is not None  # it really stopped halfway
        assert Report.select().where(Report.sealed_gen == 1).count() > 0 or killed_after == 1500

    again = _reporting(
        initialised, database_url, *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = again.communicate(timeout=120)[0].decode()
    assert again.returncode == 0, output
    assert "(resumed)" in output
    with app.app_context(), database.connection_context():
        group = ReviewGroup.default()
        assert group.key_gen == 2 and group.switched is None
        assert {r.sealed_gen for r in Report.select()} == {2}
        assert readable_with(old_private) == 0
        new_private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
        assert readable_with(new_private) == 1500
