"""Fixtures: a fresh instance folder and database per test, on SQLite and on PostgreSQL.

Tests parametrized by ``backend`` run once on SQLite (always) and once on PostgreSQL (marked
``postgres``; `.ci/run` selects them with REPORTING_TEST_DATABASE_URL pointing at a server).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest

from reporting.db import open_database
from reporting.ops.instance import initialise
from reporting.web import create_app

PG_URL_ENV = "REPORTING_TEST_DATABASE_URL"
FIXED_NOW = datetime(2026, 11, 14, 10, 30, tzinfo=UTC)


class FixedClock:
    """An injectable clock tests can move."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _pg_base_url() -> str:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.fail(
            f"PostgreSQL tests need {PG_URL_ENV}, e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """A PostgreSQL URL on a new schema of its own, dropped afterwards."""
    base = _pg_base_url()
    schema = "t_" + secrets.token_hex(6)
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture
def database_url(backend, tmp_path):
    """None for SQLite in the instance folder; a PostgreSQL URL on a schema of its own."""
    if backend == "sqlite":
        yield None
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
def instance_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "instance"
    monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(path))
    return path


@pytest.fixture
def recovery_key_file(tmp_path) -> Path:
    return tmp_path / "offline" / "recovery-key.txt"


@pytest.fixture
def initialised(instance_dir, recovery_key_file, database_url):
    initialise(
        str(instance_dir), open_database(database_url, str(instance_dir)), str(recovery_key_file)
    )
    return instance_dir


@pytest.fixture
def make_app(initialised, database_url, clock):
    def factory(**config):
        settings = {"TESTING": True, "CLOCK": clock, "DATABASE_URL": database_url}
        settings.update(config)
        return create_app(settings, serving=True)

    return factory


@pytest.fixture
def app(make_app):
    app = make_app()
    yield app
    from reporting.db import close_all, database

    close_all(database.obj)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def hidden_inputs(html: str) -> dict[str, str]:
    import html as html_module

    found = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        found[name] = html_module.unescape(value)
    return found


def textarea(html: str, name: str = "narrative") -> str:
    import html as html_module

    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return html_module.unescape(match.group(1))


RECEIPT = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>")


class Reporter:
    """Walks the reporter's web flow the way a browser with JavaScript off does."""

    def __init__(self, client) -> None:
        self.client = client

    def start(self, kind: str):
        page = self.client.get("/report")
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post(
            "/report", data={"csrf_token": token, "action": "start", "kind": kind}
        )

    def details(self, kind: str, **fields):
        page = self.start(kind).get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "kind": kind, "action": "continue"}
        data.update(fields)
        return self.client.post("/report", data=data)

    def step(self, page_html: str, action: str, **overrides):
        data = hidden_inputs(page_html)
        data["csrf_token"] = csrf_token(page_html)
        data["narrative"] = textarea(page_html)
        data["action"] = action
        data.update(overrides)
        return self.client.post("/report", data=data)


@pytest.fixture
def reporter(client) -> Reporter:
    return Reporter(client)


def receipt_in(html: str) -> str:
    match = RECEIPT.search(html)
    assert match, "no receipt on the page"
    return match.group(1)


@pytest.fixture
def released(app, clock):
    """Three months stored, their releases due: icu medication near-misses are 2 a month."""
    from helpers import add_reports

    for month in ("2026-07", "2026-08", "2026-09"):
        add_reports(month, "icu", "near-miss", "fall", 12)
        add_reports(month, "icu", "near-miss", "medication", 2)
        add_reports(month, "theatres", "near-miss", "medication", 9)
        add_reports(month, "hdu", "moral-distress", "unsafe-staffing", 7, role="medical")
    clock.now = datetime(2026, 10, 5, 12, tzinfo=UTC)
    return app
