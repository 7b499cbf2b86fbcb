"""Shared steps for the reviewers' workspace tests: reviewers, login, filing, the batch."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from conftest import csrf_token

from reporting.db import database
from reporting.models import ActionSummary

PASSWORD = "correct horse battery"
# The default BATCH_TIME is 07:00 Europe/London; in November that is 07:00 UTC.
BATCH_HOUR = 7


def cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def add_staff(app, tmp_path, name, *roles, recovery_key_file=None, group=None) -> None:
    """An account; reviewers get their group's key through the recovery key."""
    password_file = tmp_path / f"{name}-password.txt"
    password_file.write_text(PASSWORD + "\n")
    args = ["user", "add", name, "--password-file", password_file]
    for role in roles or ("reviewer",):
        args += ["--role", role]
    if recovery_key_file is not None:
        args += ["--recovery-key-file", recovery_key_file]
    if group is not None:
        args += ["--group", group]
    cli(app, *args)


def log_in(client, username, password=PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def file_report(client, kind="near-miss", category="medication", unit="icu", **fields) -> str:
    body = {"kind": kind, "category": category, "unit": unit, **fields}
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["receipt"]


def next_batch_time(clock, days: int = 1) -> None:
    """Move the clock to a minute past the batch time ``days`` days on."""
    now = clock.now
    day = datetime(now.year, now.month, now.day, BATCH_HOUR, 1, tzinfo=UTC)
    if clock.now < day:
        days -= 1
    clock.now = day + timedelta(days=days)


def run_batch(app) -> str:
    return cli(app, "batch")


def post_form(client, page_url: str, action_url: str, **data):
    """POST a form with the CSRF token taken from the page it lives on."""
    page = client.get(page_url).get_data(as_text=True)
    return client.post(action_url, data={"csrf_token": csrf_token(page), **data})


REPORT_LINK = re.compile(r'href="/review/([0-9a-f]{32})"')


def inbox_ids(client, query: str = "") -> list[str]:
    response = client.get("/review" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return REPORT_LINK.findall(response.get_data(as_text=True))


def db(app):
    """An app context with a connection, for reading rows directly."""

    class _Context:
        def __enter__(self):
            self._app = app.app_context()
            self._app.__enter__()
            self._conn = database.connection_context()
            self._conn.__enter__()

        def __exit__(self, *exc):
            self._conn.__exit__(*exc)
            self._app.__exit__(*exc)

    return _Context()


SUMMARY_ID = "5ca1ab1e5ca1ab1e"


def a_published_summary(app) -> str:
    """A "you said, we did" summary to open, edit and withdraw; its id."""
    with db(app):
        ActionSummary.create(
            id=SUMMARY_ID, kind="near-miss", category="fall", quarter="2026-Q3",
            text="Bed alarms were fitted.", published="2026-10",
        )  # fmt: skip
    return SUMMARY_ID
