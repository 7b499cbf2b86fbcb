"""Server-side staff sessions: a copied staff cookie stops working when the session ends.

Each staff role logs in, its cookie is saved, it logs out, and the saved cookie is replayed
on every staff page and the session-using JSON route: all refuse it as they refuse an
anonymous visitor. A password change and `reporting user remove` end the account's
sessions, idle time on the app's clock ends one (no sleeping), and /review/actions needs
unlocked review keys like the rest of /review. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from conftest import csrf_token
from review_support import PASSWORD, add_staff, cli, db, file_report, log_in

from reporting.models import StaffKeySession, StaffSession, User

HTML_ROUTES = ("/dashboard", "/admin/audit", "/review", "/review/actions")
API_ROUTE = "/api/v1/trends"
# What each role opens while its session lives (the role's own pages).
OWN_ROUTES = {
    "lena": ("/dashboard", API_ROUTE),
    "alice": ("/review", "/review/actions"),
    "adam": ("/admin/audit",),
}


@pytest.fixture
def staff(app, tmp_path, recovery_key_file):
    add_staff(app, tmp_path, "lena", "leadership")
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    add_staff(app, tmp_path, "adam", "admin")
    return app


def browser(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.8"
    return client


def logged_in(app, username):
    client = browser(app)
    log_in(client, username)
    return client


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A browser that never logged in, holding a copy of someone's cookie."""
    client = browser(app)
    client.set_cookie("session", cookie)
    return client


def log_out(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def assert_refused(client, route):
    response = client.get(route)
    if route.startswith("/api/"):
        assert response.status_code == 401, route
        assert response.get_json()["error"]["code"] == "unauthorized"
    else:
        assert response.status_code == 302, (route, response.status_code)
        assert response.headers["Location"].startswith("/login"), route


def assert_open(client, route):
    response = client.get(route)
    # The trends API answers 400 to a query without measures; it is past the login check.
    assert response.status_code in ((200, 400) if route == API_ROUTE else (200,)), route


def sessions_of(app, username) -> int:
    with db(app):
        user = User.by_username(username)
        return StaffSession.select().where(StaffSession.user == user.id).count()


@pytest.mark.parametrize("username", ["lena", "alice", "adam"])
def test_a_cookie_copied_before_logout_opens_nothing_after(staff, username):
    client = logged_in(staff, username)
    for route in OWN_ROUTES[username]:
        assert_open(client, route)
    cookie = saved_cookie(client)
    assert_open(replay(staff, cookie), OWN_ROUTES[username][0])  # the copy works, for now
    assert sessions_of(staff, username) == 1
    log_out(client)
    assert sessions_of(staff, username) == 0
    copy = replay(staff, cookie)
    for route in (*HTML_ROUTES, API_ROUTE):
        assert_refused(copy, route)
    with db(staff):
        # Logout is audited once; the replays record nothing.
        actions = [entry.action for entry in _audit_entries() if entry.actor == username]
        assert actions.count("logout") == 1 and "report.view" not in actions


def _audit_entries():
    from reporting.models import AuditEntry

    return list(AuditEntry.select().order_by(AuditEntry.seq))


def test_logging_out_ends_only_that_browser_s_session(staff):
    first, second = logged_in(staff, "lena"), logged_in(staff, "lena")
    assert sessions_of(staff, "lena") == 2
    log_out(first)
    assert sessions_of(staff, "lena") == 1
    assert_open(second, "/dashboard")


def test_the_database_keeps_only_a_digest_of_the_session_id(staff, client):
    staff_client = logged_in(staff, "lena")
    with staff_client.session_transaction() as cookie:
        session_id = cookie["_user_id"].rsplit(":", 1)[1]
    assert len(session_id) >= 40
    file_report(client, narrative="A reporter files: no session row is made for them.")
    with db(staff):
        rows = list(StaffSession.select())
        assert [row.digest for row in rows] == [hashlib.sha256(session_id.encode()).hexdigest()]
        assert all(session_id not in repr(row.__data__) for row in rows)
        assert set(rows[0].__data__) == {"digest", "user", "created", "last_used"}


def test_a_password_change_ends_the_account_s_sessions(staff, tmp_path):
    first, second = logged_in(staff, "lena"), logged_in(staff, "lena")
    copy = replay(staff, saved_cookie(first))
    new_password = tmp_path / "new-password.txt"
    new_password.write_text("a brand new password\n")
    cli(staff, "user", "passwd", "lena", "--password-file", new_password)
    assert sessions_of(staff, "lena") == 0
    for client in (first, second, copy):
        assert_refused(client, "/dashboard")
        assert_refused(client, API_ROUTE)
    again = browser(staff)
    log_in(again, "lena", "a brand new password")
    assert_open(again, "/dashboard")
    assert sessions_of(staff, "lena") == 1


def test_a_reviewer_s_password_change_ends_the_session_and_its_keys(staff, tmp_path):
    reviewer = logged_in(staff, "alice")
    new_password = tmp_path / "new-password.txt"
    new_password.write_text("a brand new password\n")
    old_password = tmp_path / "old-password.txt"
    old_password.write_text(PASSWORD + "\n")
    cli(
        staff,
        "user",
        "passwd",
        "alice",
        "--password-file",
        new_password,
        "--old-password-file",
        old_password,
    )
    for route in ("/review", "/review/actions"):
        assert_refused(reviewer, route)
    with db(staff):
        assert StaffSession.select().count() == 0 and StaffKeySession.select().count() == 0


def test_removing_the_account_ends_its_sessions(staff):
    leader, reviewer = logged_in(staff, "lena"), logged_in(staff, "alice")
    copy = replay(staff, saved_cookie(reviewer))
    cli(staff, "user", "remove", "alice")
    with db(staff):
        assert StaffSession.select().count() == 1  # lena's
    for client in (reviewer, copy):
        for route in ("/review", "/review/actions"):
            assert_refused(client, route)
    assert_open(leader, "/dashboard")


def test_an_idle_session_expires_on_the_app_s_clock(staff, clock):
    client = logged_in(staff, "lena")
    copy = replay(staff, saved_cookie(client))
    # Requests keep it alive: 20 idle minutes, a request, 20 more.
    clock.now += timedelta(minutes=20)
    assert_open(client, "/dashboard")
    clock.now += timedelta(minutes=20)
    assert_open(client, "/dashboard")
    assert sessions_of(staff, "lena") == 1
    clock.now += timedelta(minutes=31)
    assert_refused(client, "/dashboard")
    assert_refused(copy, "/dashboard")
    assert_refused(copy, API_ROUTE)
    assert sessions_of(staff, "lena") == 0


def test_housekeeping_deletes_sessions_left_idle(staff, clock):
    logged_in(staff, "lena")
    fresh = logged_in(staff, "adam")
    clock.now += timedelta(minutes=25)
    assert_open(fresh, "/admin/audit")
    clock.now += timedelta(minutes=10)
    cli(staff, "batch")
    assert sessions_of(staff, "lena") == 0 and sessions_of(staff, "adam") == 1


def test_review_actions_need_unlocked_keys_like_the_rest_of_review(staff):
    reviewer = logged_in(staff, "alice")
    assert_open(reviewer, "/review/actions")
    page = reviewer.get("/review/actions").get_data(as_text=True)
    token = csrf_token(page)
    with reviewer.session_transaction() as cookie:
        cookie.pop("_ks")  # the secret that opens the key session is gone
    for route in ("/review", "/review/actions"):
        response = reviewer.get(route)
        assert response.status_code == 403, route
        assert "review keys are locked" in response.get_data(as_text=True)
    posted = reviewer.post(
        "/review/actions", data={"csrf_token": token, "target": "", "text": "We changed it."}
    )
    assert posted.status_code == 403
    assert "review keys are locked" in posted.get_data(as_text=True)


def test_a_cookie_without_a_session_id_is_refused(staff):
    """A staff cookie of the old form (account id and password fingerprint only)."""
    client = logged_in(staff, "lena")
    with client.session_transaction() as cookie:
        cookie["_user_id"] = cookie["_user_id"].rsplit(":", 1)[0]
    assert_refused(client, "/dashboard")
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie and "_staff" not in cookie
