"""`reporting check`'s lines for what runs beside the database: the mail server reviewers'
batch emails go through, and the writer process that stores filings on SQLite.

Neither is needed for the service to work (without mail, reviewers see new reports when
they log in; without the writer, each worker writes its own rows), so each is at worst a
WARN, except mail that is configured and refused: then reviewers wait for emails that
never come.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from reporting import config
from reporting.db import database
from reporting.models import ReviewGroup
from reporting.ops.check_findings import FAIL, WARN, Problem
from reporting.review import notifications
from reporting.staff_email import reviewer_addresses
from reporting.writer import client as writer_client


def email(settings: Mapping[str, Any]) -> str:
    """The mail server answers (and takes the login), and how many reviewers it reaches."""
    try:
        mail = notifications.MailSettings.from_config(settings)
    except config.ConfigError as exc:
        raise Problem(FAIL, str(exc)) from exc
    if mail is None:
        return "off (no SMTP_URL): reviewers see new reports when they log in"
    where = f"{mail.host}:{mail.port} ({mail.security})"
    try:
        with notifications.connect(mail) as server:
            if mail.username:
                server.login(mail.username, mail.password or "")
            server.noop()
    except Exception as exc:  # refused, TLS, login, timeout: the batch emails would fail
        raise Problem(FAIL, f"the mail server {where} fails: {type(exc).__name__}") from exc
    with database.connection_context():
        groups = [group.name for group in ReviewGroup.select(ReviewGroup.name)]
        addressed = len(reviewer_addresses(groups))
    if not addressed:
        raise Problem(
            WARN,
            f"the mail server {where} answers, but no reviewer has an address: "
            "`reporting user set-email NAME ADDRESS`",
        )
    return f"the mail server {where} answers; {addressed} reviewer(s) have an address"


def writer() -> str:
    """Whether the writer process answers; informational unless its socket is orphaned."""
    path = writer_client.writer_path()
    if path is None:
        return "not used (PostgreSQL takes concurrent writes, or the path is too long)"
    if not os.path.exists(path):
        return "not running (gunicorn starts it; without it each worker writes its own rows)"
    counts = writer_client.stats()
    if counts is None:
        raise Problem(
            WARN,
            f"{path} is left but nothing answers on it: the workers write their own rows; "
            "restart the service to start the writer again",
        )
    return f"running, {counts['stored']} filing(s) stored since it started"
