"""`reporting check` on SQLite and PostgreSQL: quiet on a healthy instance, loud on a broken one.

Every broken case must exit non-zero and name the check and the reason on its line; the
warnings (a release due, little disk) must show without failing the run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import add_reports

from reporting import schema
from reporting.db import close_all, database, is_sqlite
from reporting.models import AuditEntry, SchemaVersion
from reporting.ops.check import FAIL, OK, WARN, Finding
from reporting.web import create_app
from reporting.web.auditing import audit

CHECKS = (
    "config",
    "secrets",
    "recovery key",
    "taxonomy",
    "rate limits",
    "disk",
    "database",
    "schema",
    "review keys",
    "releases",
    "audit log",
    "email",
    "writer",
)


def lines_of(output: str) -> dict[str, str]:
    """check name -> its whole line."""
    found = {}
    for line in output.splitlines():
        for name in CHECKS:
            if line[6:].startswith(name + ":"):
                found[name] = line
    return found


def run_check(app, *args: str):
    result = app.test_cli_runner().invoke(args=["check", *args])
    return result, lines_of(result.output)


@pytest.fixture
def cli_app(initialised, database_url, clock):
    """An app as the command line builds it (nothing refused at start-up), with overrides."""
    made = []

    def factory(**config):
        settings = {"TESTING": True, "CLOCK": clock, "DATABASE_URL": database_url, **config}
        app = create_app(settings, serving=False)
        made.append(app)
        return app

    yield factory
    if database.obj is not None:
        close_all(database.obj)


def test_finding_lines_are_status_then_name_then_reason():
    assert Finding("disk", WARN, "low").line() == "WARN  disk: low"
    assert Finding("schema", OK, "version 4").line() == "ok    schema: version 4"


def test_check_passes_on_a_healthy_instance(backend, cli_app):
    result, lines = run_check(cli_app())
    assert result.exit_code == 0, result.output
    assert set(lines) == set(CHECKS), result.output
    assert not [line for line in lines.values() if line.startswith(FAIL)]
    assert lines["schema"].startswith(OK) and f"version {schema.LATEST}" in lines["schema"]
    assert lines["database"].startswith(OK)
    assert lines["audit log"].startswith(OK)
    assert lines["taxonomy"].startswith(OK) and "units" in lines["taxonomy"]


def _missing_group(cli_app, instance: Path):
    return cli_app(REVIEW_GROUPS={"default": ["near-miss"], "ethics": ["moral-distress"]})


def _schema_behind(cli_app, instance: Path):
    app = cli_app()
    with database.connection_context():
        SchemaVersion.update(version=schema.LATEST - 1).execute()
    return app


def _secrets_missing(cli_app, instance: Path):
    app = cli_app()
    (instance / "secrets.json").unlink()
    return app


def _taxonomy_broken(cli_app, instance: Path):
    app = cli_app()
    with (instance / "taxonomy.toml").open("a") as handle:
        handle.write('\n[[units]]\nslug = "Not A Slug"\nname = "x"\ndepartment = "surgery"\n')
    return app


def _recovery_key_inside(cli_app, instance: Path, recovery_key_file: Path):
    shutil.copy(recovery_key_file, instance / "keep-safe.txt")
    return cli_app()


def _audit_log_edited(cli_app, instance: Path):
    app = cli_app()
    with app.app_context():
        audit("hold-add", "all", {"reason": "inquiry"})
        audit("hold-remove", "all")
    with database.connection_context():
        AuditEntry.update(detail='{"reason": "nothing"}').where(AuditEntry.seq == 1).execute()
    return app


def _database_unreachable(cli_app, instance: Path):
    """SQLite: a path that is a folder; PostgreSQL: a port nothing listens on."""
    on_sqlite = is_sqlite(database)
    close_all(database.obj)
    if on_sqlite:
        folder = instance / "a-folder-not-a-database"
        folder.mkdir()
        return cli_app(DATABASE_URL=f"sqlite:///{folder}")
    return cli_app(DATABASE_URL="postgresql://postgres@127.0.0.1:9/test?connect_timeout=3")


def _redis_unreachable(cli_app, instance: Path):
    return cli_app(RATELIMIT_STORAGE="redis://127.0.0.1:9/0")


BROKEN = {
    "missing review group": (
        _missing_group,
        "review keys",
        r"no key pair for review group\(s\) ethics",
    ),
    "schema behind": (_schema_behind, "schema", f"version {schema.LATEST - 1}, this code needs"),
    "secrets missing": (_secrets_missing, "secrets", "secrets.json is missing"),
    "taxonomy broken": (_taxonomy_broken, "taxonomy", "line"),
    "audit log edited": (_audit_log_edited, "audit log", "verification failed at entry 1"),
    # sqlite3: "unable to open database file"; libpq: "connection to server at … failed".
    "database unreachable": (_database_unreachable, "database", "unable to open|failed"),
    "redis unreachable": (_redis_unreachable, "rate limits", "Redis for rate limits"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_fails_with_a_named_reason(case, backend, cli_app, initialised, recovery_key_file):
    breaker, name, reason = BROKEN[case]
    app = breaker(cli_app, initialised)
    result, lines = run_check(app)
    assert result.exit_code == 1, result.output
    assert lines[name].startswith(FAIL), result.output
    assert re.search(reason, lines[name]), result.output
    assert f"FAILED: {name}" in result.output
    if name == "database":
        assert lines["schema"] == "FAIL  schema: not checked: the database cannot be reached"


def test_check_fails_on_a_recovery_key_inside_the_instance(
    backend, cli_app, initialised, recovery_key_file
):
    app = _recovery_key_inside(cli_app, initialised, recovery_key_file)
    result, lines = run_check(app)
    assert result.exit_code == 1, result.output
    assert lines["recovery key"].startswith(FAIL) and "keep-safe.txt" in lines["recovery key"]


def test_check_warns_without_failing_on_due_releases_and_little_disk(backend, cli_app):
    app = cli_app()
    add_reports("2026-09", "icu", "near-miss", "fall", 6)
    result, lines = run_check(app, "--min-free-mb", str(10**12))
    assert result.exit_code == 0, result.output
    assert lines["releases"].startswith(WARN)
    assert "2 month(s) due but not released (2026-09, 2026-10)" in lines["releases"]
    assert lines["disk"].startswith(WARN) and "warning under" in lines["disk"]

    assert app.test_cli_runner().invoke(args=["release"]).exit_code == 0
    result, lines = run_check(app)
    assert lines["releases"] == "ok    releases: released through 2026-10"


# ---- what runs beside the database: the mail server and the writer process ---------------


def test_email_is_off_without_smtp_and_a_refusing_server_fails(backend, cli_app):
    from test_notifications import free_port

    _, lines = run_check(cli_app())
    assert lines["email"].startswith(OK) and "off" in lines["email"]
    nothing_there = f"smtp://127.0.0.1:{free_port()}"
    result, lines = run_check(
        cli_app(SMTP_URL=nothing_there, MAIL_FROM="a@b.example", SITE_URL="https://x.example/")
    )
    assert result.exit_code != 0
    assert lines["email"].startswith(FAIL) and "fails" in lines["email"]


def test_email_answers_and_warns_until_a_reviewer_has_an_address(
    backend, cli_app, tmp_path, recovery_key_file
):
    from review_support import add_staff, cli
    from test_notifications import MailServer, _serve

    handler = MailServer(refuse=frozenset())
    controller = _serve(handler)
    try:
        settings = {
            "SMTP_URL": f"smtp://127.0.0.1:{handler.port}",
            "MAIL_FROM": "speakup@hospital.example",
            "SITE_URL": "https://speakup.example/",
        }
        app = cli_app(**settings)
        add_staff(app, tmp_path, "nina", recovery_key_file=recovery_key_file)
        _, lines = run_check(app)
        assert lines["email"].startswith(WARN) and "no reviewer has an address" in lines["email"]
        cli(app, "user", "set-email", "nina", "nina@hospital.example")
        _, lines = run_check(app)
        assert lines["email"].startswith(OK) and "1 reviewer(s)" in lines["email"]
        assert not handler.received  # checking sends no email
    finally:
        controller.stop()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_writer_line_says_whether_one_answers(backend, cli_app, initialised):
    import contextlib
    import socket
    import subprocess

    from servers import start_command

    from reporting.writer import client as writer_client

    app = cli_app()
    _, lines = run_check(app)
    assert lines["writer"].startswith(OK) and "not running" in lines["writer"]
    path = str(initialised / "reporting.db-writer.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)  # a socket file nobody listens on: a writer that died
    stale.close()
    writer_client._RETRY_AT[0] = 0.0
    _, lines = run_check(app)
    assert lines["writer"].startswith(WARN) and "nothing answers" in lines["writer"]
    writer = start_command(initialised, None, "writer")  # replaces the stale file
    try:
        for _ in range(600):  # until it listens (bounded: 30 s)
            writer_client._forget()
            writer_client._RETRY_AT[0] = 0.0
            with app.app_context():
                if writer_client.stats() is not None:
                    break
            with contextlib.suppress(subprocess.TimeoutExpired):
                writer.wait(timeout=0.05)  # the poll's pace; returns at once if it exited
        _, lines = run_check(app)
        assert lines["writer"].startswith(OK) and "running, 0 filing(s)" in lines["writer"]
    finally:
        writer.terminate()
        writer.wait(timeout=30)
        writer_client._forget()
        writer_client._RETRY_AT[0] = 0.0
