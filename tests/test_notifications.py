"""Acceptance: reviewers' batch emails say how many items wait and where, and nothing else.

Sent through a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL; a mail
server that refuses, is down or never answers leaves the batch released and raises nothing.
"""

from __future__ import annotations

import logging
import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from review_support import add_staff, cli, db, file_report, next_batch_time

from reporting.config import ConfigError
from reporting.db import close_all, database, open_database
from reporting.models import AuditEntry, Report
from reporting.ops.instance import initialise
from reporting.review.notifications import SUBJECT, MailSettings, Waiting, body_text

GROUPS = {"patient-safety": ["near-miss"], "ethics": ["moral-distress"]}
SITE = "https://speakup.hospital.example"
SENDER = "speakup@hospital.example"
NARRATIVE = "The infusion pump on bay four was programmed tenfold before the double check."
# Words of the reports' narratives, answer, codes, units, groups and month.
CONTENT_WORDS = (
    *("pump", "tenfold", "wristband", "night shift", "medication", "fall", "cost", "icu"),
    *("hdu", "intensive", "near-miss", "near miss", "moral", "distress", "severe", "harm"),
    *("patient-safety", "ethics", "2026-11"),
)
HEADERS = {
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
}


class MailServer:
    """What the local SMTP server accepted: (envelope recipients, parsed message)."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.received: list[tuple[list[str], object]] = []
        self.logins: list[str] = []
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, object]:
        found = {}
        for recipients, message in self.received:
            (recipient,) = recipients  # one reviewer per email: nobody sees who else is told
            assert recipient not in found
            found[recipient] = message
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(handler: MailServer, **options):
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port, **options)
    controller.start()  # returns once the server answers a connection: no sleeping
    return controller


@pytest.fixture
def mail_server():
    handler = MailServer(refuse=frozenset({"gone@hospital.example"}))
    controller = _serve(handler)
    yield handler
    controller.stop()


def _mail_config(url: str, **more) -> dict:
    return {"SMTP_URL": url, "MAIL_FROM": SENDER, "SITE_URL": SITE + "/", **more}


@pytest.fixture
def open_app(make_app):
    """The app factory, closing the database after the test (like the ``app`` fixture)."""
    yield make_app
    close_all(database.obj)


@pytest.fixture
def grouped_mail_app(initialised, recovery_key_file, database_url, open_app, mail_server):
    """Two review groups, and emails through the local server."""
    initialise(
        str(initialised),
        open_database(database_url, str(initialised)),
        str(recovery_key_file),
        ["default", *GROUPS],
    )
    return open_app(REVIEW_GROUPS=GROUPS, **_mail_config(f"smtp://127.0.0.1:{mail_server.port}"))


def _reviewer(app, tmp_path, name, recovery_key_file, group=None, email=None):
    add_staff(app, tmp_path, name, recovery_key_file=recovery_key_file, group=group)
    if email is not None:
        cli(app, "user", "set-email", name, email)


def test_each_reviewer_of_a_group_gets_one_email_with_its_counts_and_nothing_else(
    backend, grouped_mail_app, mail_server, clock, tmp_path, recovery_key_file
):
    app, client = grouped_mail_app, grouped_mail_app.test_client()
    for name, group in (("nina", "patient-safety"), ("olga", "patient-safety"), ("eric", "ethics")):
        _reviewer(app, tmp_path, name, recovery_key_file, group, f"{name}@hospital.example")
    _reviewer(app, tmp_path, "pat", recovery_key_file, "patient-safety")  # no address
    _reviewer(app, tmp_path, "gwen", recovery_key_file, "patient-safety", "gone@hospital.example")
    cli(app, "user", "add", "lee", "--role", "leadership", "--email", "lee@hospital.example",
        "--password-file", tmp_path / "nina-password.txt")  # fmt: skip
    cli(app, "batch")  # starts the schedule
    receipt = file_report(client, narrative=NARRATIVE)
    file_report(client, category="fall", unit="hdu", potential_harm="severe")
    file_report(client, narrative="Wrong patient wristband caught at the bedside.")
    file_report(client, kind="moral-distress", category="cost-pressure", intensity=9)
    answer = {"receipt": receipt, "message": "It happened again on the night shift."}
    assert client.post("/api/v1/follow-up/messages", json=answer).status_code == 201
    assert mail_server.received == []  # nothing is said before the batch

    next_batch_time(clock)
    output = cli(app, "batch")
    assert "4 reports and 1 reporter messages released" in output
    assert "emailed 3 reviewers" in output  # gwen's address was refused: the rest still go

    emails = mail_server.by_recipient()
    assert sorted(emails) == [f"{name}@hospital.example" for name in ("eric", "nina", "olga")]
    link = f" waiting in your review inbox:\n\n{SITE}/review\n"
    safety = "3 new reports and 1 reporter message are" + link
    ethics = "1 new report is" + link
    with db(app):
        ids = [report.id for report in Report.select()]
    for recipient, message in emails.items():
        assert message["Subject"] == SUBJECT and message["From"] == SENDER
        assert message["To"] == recipient and set(message.keys()) == HEADERS
        body = message.get_content().replace("\r\n", "\n")  # lines end CRLF on the wire
        assert body == (ethics if recipient.startswith("eric") else safety)
        whole = message.as_string().lower()
        for word in CONTENT_WORDS:
            assert word not in whole, word
        assert not any(report_id in whole for report_id in ids)


def test_without_an_smtp_url_no_email_is_sent_and_the_batch_runs(
    backend, app, client, mail_server, clock, tmp_path, recovery_key_file
):
    _reviewer(app, tmp_path, "alice", recovery_key_file, email="alice@hospital.example")
    cli(app, "batch")
    file_report(client, narrative=NARRATIVE)
    next_batch_time(clock)
    output = cli(app, "batch")
    assert "1 reports and 0 reporter messages released" in output and "emailed" not in output
    assert mail_server.received == []


@pytest.mark.parametrize("server", ["down", "silent"])
def test_a_mail_server_down_or_silent_leaves_the_batch_released_and_raises_nothing(
    backend, open_app, clock, tmp_path, recovery_key_file, caplog, server
):
    port = free_port()  # nothing listens there
    listener = None
    if server == "silent":  # accepts the connection and never greets: the timeout ends it
        listener = socket.socket()
        listener.bind(("127.0.0.1", port))
        listener.listen()
    try:
        app = open_app(**_mail_config(f"smtp://127.0.0.1:{port}", SMTP_TIMEOUT_SECONDS=0.5))
        _reviewer(app, tmp_path, "alice", recovery_key_file, email="alice@hospital.example")
        cli(app, "batch")
        file_report(app.test_client(), narrative=NARRATIVE)
        next_batch_time(clock)
        with caplog.at_level(logging.WARNING, logger="reporting.review.notifications"):
            output = cli(app, "batch")
    finally:
        if listener is not None:
            listener.close()
    assert "1 reports and 0 reporter messages released" in output
    with db(app):
        assert Report.select().where(Report.in_inbox == True).count() == 1  # noqa: E712
    # smtplib reports a greeting that never came (its timeout) as a disconnection.
    expected = "ConnectionRefusedError" if server == "down" else "SMTPServerDisconnected"
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"1 of 1 emails not sent ({expected})" in logged
    assert "@" not in logged and "alice" not in logged


def test_reporting_batch_now_also_emails_the_reviewers(
    backend, open_app, mail_server, tmp_path, recovery_key_file
):
    app = open_app(**_mail_config(f"smtp://127.0.0.1:{mail_server.port}"))
    _reviewer(app, tmp_path, "alice", recovery_key_file, email="alice@hospital.example")
    file_report(app.test_client(), narrative=NARRATIVE)
    output = cli(app, "batch", "--now")
    assert "forced batch: 1 reports" in output and "emailed 1 reviewer" in output
    ((recipients, message),) = mail_server.received
    assert recipients == ["alice@hospital.example"]
    assert message.get_content().startswith("1 new report is waiting in your review inbox")


def test_the_credentials_in_the_smtp_url_log_in(backend, open_app, tmp_path, recovery_key_file):
    handler = MailServer()

    def authenticator(server, session, envelope, mechanism, auth_data):
        handler.logins.append(f"{auth_data.login.decode()}:{auth_data.password.decode()}")
        return AuthResult(success=auth_data.password == b"p@ss:word")

    controller = _serve(handler, authenticator=authenticator, auth_require_tls=False)
    try:
        url = f"smtp://relay%40hospital:p%40ss%3Aword@127.0.0.1:{handler.port}"
        app = open_app(**_mail_config(url))
        _reviewer(app, tmp_path, "alice", recovery_key_file, email="alice@hospital.example")
        file_report(app.test_client())
        assert "emailed 1 reviewer" in cli(app, "batch", "--now")
    finally:
        controller.stop()
    assert handler.logins == ["relay@hospital:p@ss:word"] and len(handler.received) == 1


def test_addresses_are_set_listed_checked_and_removed_and_the_log_keeps_no_address(
    backend, app, tmp_path, recovery_key_file
):
    _reviewer(app, tmp_path, "alice", recovery_key_file)
    cli(app, "user", "set-email", "alice", " alice@hospital.example ")
    assert "alice\treviewer\talice@hospital.example" in cli(app, "user", "list")
    runner = app.test_cli_runner()
    for bad in ("alice", "a@b", "alice@hospital.example\r\nBcc: x@evil.example",
                "Alice <alice@hospital.example>", "a,b@hospital.example"):  # fmt: skip
        refused = runner.invoke(args=["user", "set-email", "alice", bad])
        assert refused.exit_code != 0 and "is not an email address" in refused.output
    both = runner.invoke(args=["user", "set-email", "alice", "a@hospital.example", "--remove"])
    assert both.exit_code != 0
    cli(app, "user", "set-email", "alice", "--remove")
    assert cli(app, "user", "list").strip().endswith("alice\treviewer")
    with db(app):
        entries = list(AuditEntry.select().where(AuditEntry.action == "user-email"))
    assert [e.object for e in entries] == ["alice", "alice"]
    assert not any("@" in e.detail for e in entries)


@pytest.mark.parametrize(
    ("waiting", "sentence"),
    [
        (Waiting(1, 0), "1 new report is waiting"),
        (Waiting(2, 0), "2 new reports are waiting"),
        (Waiting(0, 1), "1 reporter message is waiting"),
        (Waiting(1, 1), "1 new report and 1 reporter message are waiting"),
        (Waiting(0, 3), "3 reporter messages are waiting"),
    ],
)
def test_the_sentence_counts_in_words(waiting, sentence):
    assert body_text(waiting, SITE + "/review") == (
        f"{sentence} in your review inbox:\n\n{SITE}/review\n"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 25, "plain", None, None)),
        ("smtps://mail.example", ("mail.example", 465, "tls", None, None)),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example:2525",
            ("mail.example", 2525, "starttls", "u@x", "p:w"),
        ),
    ],
)
def test_smtp_urls_are_read(url, expected):
    mail = MailSettings.from_config(_mail_config(url))
    assert (mail.host, mail.port, mail.security, mail.username, mail.password) == expected
    assert mail.inbox_url == SITE + "/review" and mail.timeout == 10


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (_mail_config("http://mail.example"), "must start smtp://"),
        (_mail_config("smtp://"), "names no mail server"),
        (_mail_config("smtp://mail.example:99999"), "port"),
        ({**_mail_config("smtp://mail.example"), "MAIL_FROM": None}, "MAIL_FROM"),
        ({**_mail_config("smtp://mail.example"), "SITE_URL": "speakup"}, "SITE_URL"),
    ],
)
def test_unusable_mail_settings_stop_start_up_with_the_fix(settings, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        MailSettings.from_config(settings)
    assert MailSettings.from_config({"SMTP_URL": None}) is None
