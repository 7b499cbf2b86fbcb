"""Two lifetimes in one cookie: reporters 15 minutes from the start, staff 30 idle minutes.

Time is moved by replacing ``time.time``, which both itsdangerous (signing and checking
the cookie's timestamp) and reporting.web.sessions read: no sleeping.
"""

from __future__ import annotations

import secrets
import time

import pytest
from argon2 import PasswordHasher
from conftest import csrf_token
from flask import jsonify, session

from reporting import accounts
from reporting.db import close_all, database
from reporting.web.auth import role_required

PASSWORD = "correct horse battery"
MINUTE = 60
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class FakeTime:
    """The wall clock as itsdangerous and the session interface see it."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * MINUTE


@pytest.fixture
def wall(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture
def session_app(make_app):
    app = make_app()

    @app.get("/test/leadership")
    @role_required("leadership")
    def leadership_page():
        return "leadership page"

    @app.get("/test/touch")
    def touch():
        session["touched"] = session.get("touched", 0) + 1  # rewrites the reporter's cookie
        return "touched"

    @app.get("/test/session")
    def show_session():
        return jsonify(sorted(session.keys()))

    with app.app_context(), database.connection_context():
        accounts.create_user(
            "lead",
            PASSWORD,
            ["leadership"],
            hasher=FAST,
        )
    yield app
    close_all(database.obj)


@pytest.fixture
def browser(session_app):
    client = session_app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    return client


def log_in(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "username": "lead", "password": PASSWORD}
    )
    assert response.status_code == 302
    return response


def signed_at(app, client) -> int:
    serializer = app.session_interface.get_signing_serializer(app)
    _data, stamp = serializer.loads(client.get_cookie("session").value, return_timestamp=True)
    return int(stamp.timestamp())


def test_staff_session_survives_29_idle_minutes(wall, browser):
    log_in(browser)
    wall.advance(29)
    assert browser.get("/test/leadership").status_code == 200


def test_staff_session_ends_after_31_idle_minutes(wall, browser):
    log_in(browser)
    wall.advance(31)
    response = browser.get("/test/leadership")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_staff_idleness_counts_from_the_last_request(wall, session_app, browser):
    log_in(browser)
    for _ in range(6):  # two and a half hours of steady work
        wall.advance(25)
        assert browser.get("/test/leadership").status_code == 200
        assert signed_at(session_app, browser) == int(wall.now)
    wall.advance(29)
    assert browser.get("/test/leadership").status_code == 200
    wall.advance(31)
    assert browser.get("/test/leadership").status_code == 302


def test_staff_idle_limit_is_configurable(wall, make_app):
    app = make_app(STAFF_IDLE_MINUTES=5)

    @app.get("/test/leadership")
    @role_required("leadership")
    def leadership_page():
        return "leadership page"

    with app.app_context(), database.connection_context():
        accounts.create_user("lead", PASSWORD, ["leadership"], hasher=FAST)
    client = app.test_client()
    log_in(client)
    wall.advance(4)
    assert client.get("/test/leadership").status_code == 200
    wall.advance(6)
    assert client.get("/test/leadership").status_code == 302
    close_all(database.obj)


def test_staff_cookie_is_a_strict_httponly_browser_session_cookie(browser):
    log_in(browser)
    cookie = browser.get("/test/leadership").headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_reporter_session_is_not_rewritten_when_unchanged(browser):
    assert "Set-Cookie" in browser.get("/report").headers
    assert "Set-Cookie" not in browser.get("/report").headers


def test_reporter_session_ends_15_minutes_after_it_starts_even_when_rewritten(
    wall, session_app, browser
):
    page = browser.get("/report").get_data(as_text=True)
    started = signed_at(session_app, browser)
    token = csrf_token(page)
    wall.advance(10)
    assert "Set-Cookie" in browser.get("/test/touch").headers  # the cookie was written again
    assert signed_at(session_app, browser) == started  # ... keeping its start time
    wall.advance(4)
    assert browser.get("/test/session").get_json() == ["csrf_token", "touched"]
    start = browser.post(
        "/report", data={"csrf_token": token, "action": "start", "kind": "near-miss"}
    )
    assert start.status_code == 200
    wall.advance(2)  # 16 minutes after the first page
    assert browser.get("/test/session").get_json() == []
    response = browser.post(
        "/report", data={"csrf_token": token, "action": "start", "kind": "near-miss"}
    )
    assert response.status_code == 400
    assert "timed out" in response.get_data(as_text=True)


def test_reporter_session_is_not_stretched_to_the_staff_limit(wall, browser):
    browser.get("/report")
    wall.advance(16)
    assert browser.get("/test/session").get_json() == []


def test_expired_reporter_session_starts_afresh(wall, session_app, browser):
    browser.get("/report")
    wall.advance(20)
    page = browser.get("/report")
    assert "Set-Cookie" in page.headers
    assert signed_at(session_app, browser) == int(wall.now)
    token = csrf_token(page.get_data(as_text=True))
    response = browser.post(
        "/report", data={"csrf_token": token, "action": "start", "kind": "near-miss"}
    )
    assert response.status_code == 200


def test_logging_in_turns_a_reporter_session_into_a_fresh_staff_session(wall, session_app, browser):
    browser.get("/login")
    wall.advance(12)
    log_in(browser)
    wall.advance(10)  # 22 minutes after the first page: past a reporter's limit
    assert browser.get("/test/leadership").status_code == 200
    assert "touched" not in browser.get("/test/session").get_json()


def test_a_tampered_cookie_is_an_empty_session(browser):
    browser.get("/report")
    cookie = browser.get_cookie("session").value
    browser.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert browser.get("/test/session").get_json() == []
