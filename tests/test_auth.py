"""Staff login with CSRF on, logout, safe redirects, role checks and bearer tokens."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from conftest import csrf_token
from flask import jsonify

from reporting import accounts
from reporting.db import close_all, database
from reporting.web.auth import api_role_required, role_required

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
GENERIC = "Username, password or authentication code is wrong, or the account is locked"


def add_routes(app) -> None:
    """Pages guarded the way the dashboard, review and API blueprints guard theirs."""

    @app.get("/test/leadership")
    @role_required("leadership")
    def leadership_page():
        return "leadership page"

    @app.get("/test/api")
    @api_role_required("leadership")
    def leadership_api():
        return jsonify(ok=True)


@pytest.fixture
def staff_app(make_app):
    app = make_app()
    add_routes(app)
    with app.app_context(), database.connection_context():
        accounts.create_user("lead", PASSWORD, ["leadership"], hasher=FAST)
        accounts.create_user("rev", PASSWORD, ["reviewer"], hasher=FAST)
        accounts.create_user("boss", PASSWORD, ["admin"], hasher=FAST)
        accounts.create_user("both", PASSWORD, ["reviewer", "leadership"], hasher=FAST)
    yield app
    close_all(database.obj)


def fresh_client(app):
    """A client from an address of its own: login limits count per address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"
    return client


@pytest.fixture
def staff(staff_app):
    return fresh_client(staff_app)


def log_in(client, username, password=PASSWORD, next_=None):
    page = client.get("/login" + (f"?next={next_}" if next_ else "")).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data)


def log_out(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def session_data(app, client) -> dict:
    cookie = client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_login_page_is_labelled_and_autocompletes_for_staff(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="username">' in html and '<label for="password">' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert 'type="password"' in html and 'name="csrf_token"' in html


def test_login_with_csrf_then_logout_ends_the_session(staff_app, staff):
    response = log_in(staff, "lead")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert staff.get("/test/leadership").get_data(as_text=True) == "leadership page"
    assert session_data(staff_app, staff)["_staff"] is True
    response = log_out(staff)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert staff.get("/test/leadership").status_code == 302


def test_login_and_logout_without_csrf_token_are_refused(staff):
    staff.get("/login")
    response = staff.post("/login", data={"username": "lead", "password": PASSWORD})
    assert response.status_code == 400
    assert staff.get("/test/leadership").status_code == 302
    log_in(staff, "lead")
    assert staff.post("/logout").status_code == 400
    assert staff.get("/test/leadership").status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("lead", "wrong password!"), ("nobody", PASSWORD), ("", ""), ("LEAD ", "x" * 2000)],
)
def test_failed_login_says_the_same_thing_whatever_the_reason(staff, username, password):
    response = log_in(staff, username, password)
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    if username and password:
        assert GENERIC in html
    assert staff.get("/test/leadership").status_code == 302


def test_locked_account_gets_the_same_message_even_with_the_right_password(staff):
    for _ in range(5):
        assert log_in(staff, "lead", "wrong password!").status_code == 401
    response = log_in(staff, "lead")
    assert response.status_code == 401 and GENERIC in response.get_data(as_text=True)


def test_username_is_case_and_space_insensitive(staff):
    assert log_in(staff, "  Lead ").headers["Location"] == "/dashboard"


@pytest.mark.parametrize(
    ("username", "landing"),
    [("lead", "/dashboard"), ("rev", "/review"), ("boss", "/"), ("both", "/dashboard")],
)
def test_login_lands_on_the_page_of_the_role(staff, username, landing):
    assert log_in(staff, username).headers["Location"] == landing


def test_next_same_site_path_is_followed(staff):
    response = log_in(staff, "lead", next_="/test/leadership?period=2026-Q1")
    assert response.headers["Location"] == "/test/leadership?period=2026-Q1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "http:/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/\r\nLocation: https://evil.example",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_next_open_redirects_are_refused(staff, target):
    response = log_in(staff, "lead", next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_anonymous_visitor_is_sent_to_login_with_next(staff):
    response = staff.get("/test/leadership?kind=near-miss")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/test/leadership?kind=near-miss"]


def test_role_is_checked_on_the_page(staff_app):
    reviewer, leader, both = (fresh_client(staff_app) for _ in range(3))
    log_in(reviewer, "rev")
    log_in(leader, "lead")
    log_in(both, "both")
    assert reviewer.get("/test/leadership").status_code == 403
    assert leader.get("/test/leadership").status_code == 200
    assert both.get("/test/leadership").status_code == 200


def test_roles_are_read_on_every_request(staff_app, staff):
    log_in(staff, "lead")
    assert staff.get("/test/leadership").status_code == 200
    with staff_app.app_context(), database.connection_context():
        accounts.User.update(roles="reviewer").where(accounts.User.username == "lead").execute()
    assert staff.get("/test/leadership").status_code == 403


def test_password_change_or_removal_ends_existing_sessions(staff_app):
    first, second = fresh_client(staff_app), fresh_client(staff_app)
    log_in(first, "lead")
    log_in(second, "rev")
    with staff_app.app_context(), database.connection_context():
        accounts.set_password("lead", "a brand new password", hasher=FAST)
        accounts.remove_user("rev")
    assert first.get("/test/leadership").status_code == 302
    assert second.get("/test/leadership").status_code == 302


def test_login_starts_a_new_session_and_keeps_no_address(staff_app, staff, caplog):
    staff.environ_base["REMOTE_ADDR"] = "127.45.67.89"
    with staff.session_transaction() as before:
        before["draft_nonce"] = "from before the login"
    caplog.set_level(logging.DEBUG)
    log_in(staff, "lead")
    data = session_data(staff_app, staff)
    assert "draft_nonce" not in data and "_id" not in data
    assert set(data) <= {"_user_id", "_fresh", "_staff", "csrf_token"}
    assert "127.45.67.89" not in caplog.text
    with staff_app.app_context(), database.connection_context():
        row = accounts.User.by_username("lead")
        assert "127.45.67.89" not in repr(row.__data__)


def test_login_attempts_are_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_LOGIN="3 per minute")
    client, other = fresh_client(app), fresh_client(app)
    statuses = [log_in(client, "nobody").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert log_in(other, "nobody").status_code == 401
    close_all(database.obj)


def test_api_without_credentials_is_401_json(staff):
    response = staff.get("/test/api")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer garbage",
        "Bearer rpt_" + "A" * 43,
        "Basic bGVhZDpwdw==",
        "rpt_x",
    ],
)
def test_api_with_a_bad_token_is_401_json(staff, header):
    response = staff.get("/test/api", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_token_works_until_revoked(staff_app, staff):
    with staff_app.app_context(), database.connection_context():
        token_id, token = accounts.create_token("board pack")
    bearer = {"Authorization": f"Bearer {token}"}
    response = staff.get("/test/api", headers=bearer)
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert "Set-Cookie" not in response.headers
    with staff_app.app_context(), database.connection_context():
        accounts.revoke_token(token_id)
    response = staff.get("/test/api", headers=bearer)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_api_accepts_a_leadership_session_and_refuses_other_roles(staff_app):
    leader, reviewer = fresh_client(staff_app), fresh_client(staff_app)
    log_in(leader, "lead")
    log_in(reviewer, "rev")
    assert leader.get("/test/api").status_code == 200
    response = reviewer.get("/test/api")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_only_the_rate_limiter_reads_the_client_address(staff, monkeypatch):
    from pathlib import Path

    import flask_login.utils

    package = Path(accounts.__file__).parent
    readers = {p.name for p in package.rglob("*.py") if "remote_addr" in p.read_text()}
    assert readers == {"ratelimit.py"}

    def refuse():
        raise AssertionError("flask-login read the client address")

    monkeypatch.setattr(flask_login.utils, "_get_remote_addr", refuse)
    assert log_in(staff, "lead").status_code == 302
    assert staff.get("/test/leadership").status_code == 200
    assert log_out(staff).status_code == 302
