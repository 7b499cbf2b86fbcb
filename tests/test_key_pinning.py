"""Review groups' public keys are signed and pinned: a key swapped in the database is refused.

A database writer who replaces `review_group.public_key` with a key of their own must get
nothing sealed to it: filing (web and API), replies, reporter messages and notes refuse with
a plain "nothing was stored", `reporting check` fails loudly, and after a rotation with the
recovery key filing works again. Older instances are signed and pinned by `reporting init
--recovery-key-file`; a rotation by a member's password switches to a pre-signed key.
"""

from __future__ import annotations

import json

import pytest
from helpers import report_count

from reporting import reports
from reporting.db import database, open_database
from reporting.models import Message, Note, Report, ReviewGroup, User
from reporting.ops import instance
from reporting.privacy import crypto, keys, pinning, rotation
from reporting.review import conversation, notes
from reporting.submissions import Submission

GOOD = {
    "kind": "near-miss",
    "category": "medication",
    "unit": "icu",
    "role": "nursing",
    "narrative": "The pump was set to ten times the dose on the night shift.",
}
CANNOT_FILE = "cannot be sent right now, and nothing was stored"


def swap_public_key(app) -> bytes:
    """What a database writer does: their own key pair in place of the group's public key."""
    attacker = crypto.generate_keypair()
    with app.app_context(), database.connection_context():
        ReviewGroup.update(public_key=attacker.public).where(
            ReviewGroup.name == "default"
        ).execute()
    return attacker.private


def sealed_rows() -> tuple[int, int, int]:
    with database.connection_context():
        return Report.select().count(), Message.select().count(), Note.select().count()


def opens_with(private: bytes) -> int:
    opened = 0
    with database.connection_context():
        for report in Report.select().where(Report.narrative.is_null(False)):
            try:
                reports.open_narrative(report, private)
                opened += 1
            except crypto.CryptoError:
                pass
    return opened


def check_lines(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["check"])
    line = next(line for line in result.output.splitlines() if "review keys:" in line)
    return result.exit_code, line


def test_init_signs_the_keys_and_pins_the_verifier_outside_the_database(
    app, initialised, recovery_key_file
):
    stored = json.loads((initialised / instance.SECRETS_FILE).read_text())
    secret = crypto.parse_recovery_key(recovery_key_file.read_text())
    assert bytes.fromhex(stored[pinning.PIN_SETTING]) == pinning.pin_of(secret)
    with app.app_context(), database.connection_context():
        group = ReviewGroup.default()
        assert pinning.signature_valid(
            pinning.pin_of(secret), "default", 1, group.public_key, group.key_signature
        )
        assert group.spare_public_key is not None  # for a rotation by a member's password
    assert check_lines(app)[1].startswith("WARN")  # signed; only "no reviewer holds it" warns


def test_a_swapped_key_is_refused_nothing_is_stored_and_check_fails(
    backend, app, client, reporter, recovery_key_file
):
    receipt = client.post("/api/v1/reports", json=GOOD).get_json()["receipt"]
    before = sealed_rows()
    attacker_private = swap_public_key(app)
    app.extensions["reporting"]._sealing_keys.clear()  # as after REVIEW_KEY_SECONDS

    api = client.post("/api/v1/reports", json=GOOD)
    assert api.status_code == 503
    assert CANNOT_FILE in api.get_json()["error"]["message"]
    page = reporter.details("near-miss", category="medication", unit="icu", role="nursing")
    assert page.status_code == 503 and CANNOT_FILE in page.get_data(as_text=True)
    found = app.extensions["reporting"]
    with app.app_context(), database.connection_context():
        with pytest.raises(pinning.UnverifiedGroupKey):
            reports.file_report(
                Submission(**GOOD), period="2026-11", pepper=found.pepper, scrubber=found.scrubber
            )
        with pytest.raises(pinning.UnverifiedGroupKey):
            reports.store_prepared([("2026-11", Submission(**GOOD))], pepper=found.pepper)
        report = Report.get()
        with pytest.raises(pinning.UnverifiedGroupKey):
            notes.add_note(report, "alice", "A note to the attacker.", period="2026-11")
        conversation.open_reply_channel(receipt, found.pepper)
        report = Report.get()
        with pytest.raises(pinning.UnverifiedGroupKey):
            conversation.post_reply(
                report, "Thank you.", period="2026-11", scrubber=found.scrubber, max_chars=2000
            )
    assert sealed_rows() == before  # nothing stored, so nothing sealed to the attacker's key
    assert opens_with(attacker_private) == 0

    status, line = check_lines(app)
    assert status != 0 and line.startswith("FAIL")
    assert "'default'" in line and "changed in the database" in line

    # The recovery key re-keys the group: filing works again, sealed to the signed key.
    rotated = app.test_cli_runner().invoke(
        args=["rotate-key", "--recovery-key-file", str(recovery_key_file)]
    )
    assert rotated.exit_code == 0, rotated.output
    app.extensions["reporting"]._sealing_keys.clear()
    assert client.post("/api/v1/reports", json=GOOD).status_code == 201
    assert report_count() == before[0] + 1
    assert opens_with(attacker_private) == 0
    with app.app_context(), database.connection_context():
        private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
    assert opens_with(private) == 2
    assert not check_lines(app)[1].startswith("FAIL")


def test_the_openapi_document_declares_the_refusal_it_answers(backend, app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path in ("/reports", "/follow-up/messages"):
        declared = doc["paths"][path]["post"]["responses"]["503"]
        assert declared["content"]["application/json"]["schema"] == error_ref, path
        assert "Nothing was stored" in declared["description"]
    swap_public_key(app)
    app.extensions["reporting"]._sealing_keys.clear()
    refused = client.post("/api/v1/reports", json=GOOD)
    assert refused.status_code == 503
    error = refused.get_json()["error"]
    required = doc["components"]["schemas"]["Error"]["properties"]["error"]["required"]
    assert set(error) == set(required) and error["code"] == "service_unavailable"
    assert isinstance(error["message"], str) and error["fields"] == {}


def test_a_forged_signature_or_a_removed_one_is_refused_too(app, client):
    with app.app_context(), database.connection_context():
        ReviewGroup.update(key_signature=None).execute()
    app.extensions["reporting"]._sealing_keys.clear()
    assert client.post("/api/v1/reports", json=GOOD).status_code == 503
    assert "not signed" in check_lines(app)[1]
    with app.app_context(), database.connection_context():
        ReviewGroup.update(key_signature=b"\x00" * 64).execute()
    assert client.post("/api/v1/reports", json=GOOD).status_code == 503
    assert report_count() == 0


def test_rotation_by_a_members_password_switches_to_the_presigned_key(
    app, tmp_path, recovery_key_file, clock
):
    password = "correct horse battery"
    (tmp_path / "pw.txt").write_text(password + "\n")
    added = app.test_cli_runner().invoke(
        args=["user", "add", "alice", "--role", "reviewer", "--password-file",
              str(tmp_path / "pw.txt"), "--recovery-key-file", str(recovery_key_file)]
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    with app.app_context(), database.connection_context():
        spare = bytes(ReviewGroup.default().spare_public_key)
        opener = rotation.Opener(user=User.by_username("alice"), password=password)
        rotation.rotate("default", opener, now=clock, cache_seconds=0, sleep=lambda s: None)
        group = ReviewGroup.default()
        assert group.key_gen == 2 and bytes(group.public_key) == spare
        assert pinning.verified_public_key(group) == spare
        assert group.spare_public_key is None
        # No spare is left, and a password cannot sign: the next needs the recovery key.
        opener = rotation.Opener(user=User.by_username("alice"), password=password)
        with pytest.raises(rotation.RotationError, match="recovery-key-file"):
            rotation.rotate("default", opener, now=clock, cache_seconds=0, sleep=lambda s: None)
        assert ReviewGroup.default().key_gen == 2
    client = app.test_client()
    assert client.post("/api/v1/reports", json=GOOD).status_code == 201


def test_an_older_instance_files_until_pinned_then_init_signs_it(
    backend, initialised, database_url, recovery_key_file, make_app
):
    """The upgrade path: no pin and no signatures (as before); init with the recovery key."""
    path = initialised / instance.SECRETS_FILE
    stored = json.loads(path.read_text())
    del stored[pinning.PIN_SETTING]
    path.write_text(json.dumps(stored))
    db = open_database(database_url, str(initialised))
    with db.connection_context():
        db.execute_sql(
            "UPDATE review_group SET key_signature = NULL, spare_public_key = NULL, "
            "spare_signature = NULL, spare_sealed_private = NULL"
        )
    app = make_app()
    client = app.test_client()
    assert client.post("/api/v1/reports", json=GOOD).status_code == 201  # legacy: as before
    status, line = check_lines(app)
    assert line.startswith("WARN") and "not pinned" in line

    result = instance.initialise(
        str(initialised), db, str(initialised.parent / "unused.txt"),
        recovery_secret=crypto.parse_recovery_key(recovery_key_file.read_text()),
    )  # fmt: skip
    assert "signed the public key of review group 'default'" in result.notices
    assert pinning.PIN_SETTING in json.loads(path.read_text())
    app = make_app()
    assert app.test_client().post("/api/v1/reports", json=GOOD).status_code == 201
    swap_public_key(app)
    app.extensions["reporting"]._sealing_keys.clear()
    assert app.test_client().post("/api/v1/reports", json=GOOD).status_code == 503
    # Signing refuses to bless a key already swapped: the recovery key opens the real one.
    with pytest.raises(instance.InitError, match="changed in the database"):
        instance.initialise(
            str(initialised), db, str(initialised.parent / "unused.txt"),
            recovery_secret=crypto.parse_recovery_key(recovery_key_file.read_text()),
        )  # fmt: skip


def test_a_group_added_later_without_the_recovery_key_is_pinned_by_fingerprint(
    initialised, database_url, recovery_key_file, make_app
):
    db = open_database(database_url, str(initialised))
    instance.initialise(
        str(initialised), db, str(recovery_key_file) + ".new", ["default", "ethics"]
    )
    stored = json.loads((initialised / instance.SECRETS_FILE).read_text())
    assert "ethics" in stored[pinning.ADDED_SETTING]
    app = make_app(REVIEW_GROUPS={"default": ["near-miss"], "ethics": ["moral-distress"]})
    client = app.test_client()
    body = {"kind": "moral-distress", "category": "unsafe-staffing", "narrative": "Again."}
    assert client.post("/api/v1/reports", json=body).status_code == 201
    with app.app_context(), database.connection_context():
        ReviewGroup.update(public_key=crypto.generate_keypair().public).where(
            ReviewGroup.name == "ethics"
        ).execute()
    app.extensions["reporting"]._sealing_keys.clear()
    assert client.post("/api/v1/reports", json=body).status_code == 503
