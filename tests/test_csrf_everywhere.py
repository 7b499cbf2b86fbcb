"""Hostile input, part two: every form refuses a POST without its CSRF token, changing nothing.

The POST routes of the HTML blueprints are read from ``app.url_map`` (a new form is caught
here until it is listed). Each is posted without a token, logged in as the role it needs,
with CSRF on: the answer is 400 and no row of any table changes. The same body with the
page's token then goes through, which proves the refused body would have acted.

The JSON API is exempt from CSRF (api.py) because none of its POST routes reads the session:
reporters have no cookie there. Its one route that accepts a staff session, /api/v1/trends,
is GET only and sends no CORS header, and the session cookie is SameSite=Strict, so another
site can neither send it nor read the answer.
"""

from __future__ import annotations

import hashlib

import pytest
from conftest import csrf_token
from peewee import PostgresqlDatabase
from pulse_support import ALL_AGREE, open_wave_with_codes
from review_support import a_published_summary, db
from test_hostile_headers import everyone

from reporting.db import database
from reporting.pulse.responses import assisted_token

CSRF_REFUSALS = ("This form has expired", "timed out, so nothing was sent")

# Exempt on purpose, with the reason; any other exempt form fails the test.
EXEMPT = {
    # "Clear and leave" must work even after the session (and its token) expired; it only
    # clears the caller's own cookie, and SameSite=Strict keeps other sites from sending it.
    "public.leave": "clears only the caller's own session",
}


def table_fingerprints(app) -> dict[str, str]:
    """A digest of every row of every table: equal digests mean nothing was written."""
    with db(app):
        if isinstance(database.obj, PostgresqlDatabase):
            cursor = database.execute_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
            tables = sorted(row[0] for row in cursor.fetchall())
        else:
            tables = sorted(database.get_tables())
        found = {}
        for table in tables:
            rows = database.execute_sql(f'SELECT * FROM "{table}"').fetchall()
            texts = sorted(repr([_plain(value) for value in row]) for row in rows)
            found[table] = hashlib.sha256(repr(texts).encode()).hexdigest()
    assert len(found) >= 5, found
    return found


def _plain(value):
    """PostgreSQL hands bytea back as a memoryview, whose repr is its address."""
    return bytes(value) if isinstance(value, memoryview) else value


def html_post_endpoints(app) -> dict[str, str]:
    """endpoint -> rule for every POST route outside the JSON API."""
    return {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    yield app
    from reporting.db import close_all

    close_all(database.obj)


@pytest.fixture
def scene(csrf_app, clock, tmp_path, recovery_key_file):
    reporter_client = csrf_app.test_client()
    staff, report_id, receipt = everyone(
        csrf_app, reporter_client, clock, tmp_path, recovery_key_file
    )
    return csrf_app, staff, report_id, receipt


def forms(report_id: str, receipt: str, summary_id: str) -> list[tuple[str, str, str, str, dict]]:
    """(endpoint, who, page with the token, URL, body): ordered so later steps still work."""
    review = f"/review/{report_id}"
    summary = f"/review/actions/{summary_id}"
    return [
        ("public.report_step", "anonymous", "/report", "/report",
         {"action": "continue", "kind": "near-miss", "category": "fall", "unit": "icu"}),
        ("public.follow_up_status", "anonymous", "/follow-up", "/follow-up",
         {"receipt": receipt}),
        ("public.follow_up_answer", "anonymous", "/follow-up", "/follow-up/answer",
         {"receipt": receipt, "message": "It happened again.", "action": "send"}),
        ("auth.login", "anonymous", "/login", "/login",
         {"username": "chief", "password": "correct horse battery"}),
        ("review.change_status", "staff", review, f"{review}/status",
         {"status": "acknowledged", "referral": ""}),
        ("review.assign", "staff", review, f"{review}/assign", {"assignee": "chief"}),
        ("review.add_note", "staff", review, f"{review}/notes", {"text": "Call pharmacy."}),
        ("review.reply", "staff", review, f"{review}/reply",
         {"text": "Thank you.", "action": "send"}),
        ("review_actions.publish", "staff", "/review/actions", "/review/actions",
         {"target": "2026-Q3|near-miss|fall", "text": "We changed the pumps.",
          "action": "publish"}),
        ("review_actions.edit", "staff", f"{summary}/edit", f"{summary}/edit",
         {"text": "We changed the pumps.", "action": "save"}),
        ("review_actions.withdraw", "staff", f"{summary}/withdraw", f"{summary}/withdraw", {}),
        ("review.step_aside", "staff", review, f"{review}/step-aside", {}),
        ("auth.logout", "staff", "/review", "/logout", {}),
    ]  # fmt: skip


def pulse_forms(app) -> list[tuple[str, str, str, str, dict]]:
    """The pulse survey's forms: a code to exchange, and answers with a token of their own."""
    wave, codes = open_wave_with_codes(app, count=2)
    with db(app):
        found = app.extensions["reporting"]
        token = assisted_token(wave, codes[1], pepper=found.pepper, today=found.clock().date())
    answers = {**ALL_AGREE, "unit": "icu", "role": "nursing", "action": "review"}
    answers |= {"token_message": token.message.hex(), "token_signature": token.signature.hex()}
    page = f"/pulse/{wave}"
    return [
        ("pulse.exchange", "anonymous", page, page, {"code": codes[0]}),
        ("pulse.answer", "anonymous", page, f"{page}/answers", answers),
    ]


def is_csrf_refusal(response) -> bool:
    text = response.get_data(as_text=True)
    return response.status_code == 400 and any(words in text for words in CSRF_REFUSALS)


def test_every_form_refuses_a_post_without_its_token_and_changes_nothing(scene):
    app, staff, report_id, receipt = scene
    listed = forms(report_id, receipt, a_published_summary(app))
    listed[-1:-1] = pulse_forms(app)  # the logout stays last
    endpoints = html_post_endpoints(app)
    assert set(endpoints) == {e for e, *_ in listed} | set(EXEMPT), (
        "a POST route is neither tested here nor listed as exempt"
    )
    anonymous = app.test_client()
    changed_with_token = []
    for endpoint, who, page_url, url, body in listed:
        client = staff if who == "staff" else anonymous
        before = table_fingerprints(app)
        refused = client.post(url, data=body)
        assert is_csrf_refusal(refused), f"{endpoint}: {refused.status_code}"
        assert table_fingerprints(app) == before, f"{endpoint} wrote despite the refusal"
        # Also with a token from another session, and with a forged one.
        other = app.test_client()
        foreign = csrf_token(other.get("/login").get_data(as_text=True))
        for token in (foreign, "forged", ""):
            answer = client.post(url, data={**body, "csrf_token": token})
            assert is_csrf_refusal(answer), f"{endpoint} with token {token[:8]!r}"
        assert table_fingerprints(app) == before, f"{endpoint} wrote despite the refusal"
        assert staff.get("/review").status_code == 200  # still logged in: logout refused
        # The control: the same body with the page's own token is accepted.
        page = client.get(page_url)
        accepted = client.post(url, data={**body, "csrf_token": csrf_token(page.text)})
        assert not is_csrf_refusal(accepted), f"{endpoint} refused even with its token"
        assert accepted.status_code < 500, endpoint
        if table_fingerprints(app) != before:
            changed_with_token.append(endpoint)
    # The refused bodies were not harmless ones: with a token nearly all of them wrote.
    assert len(changed_with_token) >= 8, changed_with_token
    assert staff.get("/review").status_code == 302  # the accepted logout did log out


def test_exempt_forms_are_exactly_the_listed_ones(csrf_app):
    from reporting.web.security import csrf

    exempt_views = {
        endpoint
        for endpoint, view in csrf_app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    exempt_blueprints = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints}
    assert exempt_blueprints == {"api"}
    assert exempt_views == set(EXEMPT)


def test_clear_and_leave_without_a_token_writes_nothing(csrf_app):
    before = table_fingerprints(csrf_app)
    response = csrf_app.test_client().post("/leave")
    assert response.status_code == 200
    assert table_fingerprints(csrf_app) == before


def test_the_session_cookie_is_samesite_strict_and_httponly(scene):
    app, _staff, _report_id, _receipt = scene
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page),
            "username": "chief",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 302
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie"]
    session_cookies = [c for c in cookies if c.startswith("session=")]
    assert session_cookies, cookies
    for cookie in session_cookies:
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert "samesite=strict" in attributes, cookie
        assert "httponly" in attributes, cookie
        assert not any(a.startswith(("expires=", "max-age=")) for a in attributes), cookie


def test_api_post_routes_act_without_any_session(scene):
    """Nothing under /api/v1 that changes state reads a cookie, so CSRF has nothing to ride."""
    app, _staff, _report_id, receipt = scene
    bare = app.test_client(use_cookies=False)
    bodies = {
        "/api/v1/reports": ({"kind": "near-miss", "category": "fall"}, 201),
        "/api/v1/deidentify": ({"narrative": "Seen by Dr Jones."}, 200),
        "/api/v1/follow-up": ({"receipt": receipt}, 200),
        "/api/v1/follow-up/messages": ({"receipt": receipt, "message": "Again today."}, 201),
    }
    posts = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    posts = {rule for rule in posts if any(
        "POST" in r.methods for r in app.url_map.iter_rules() if r.rule == rule
    )}  # fmt: skip
    assert posts == set(bodies)
    for path, (body, status) in bodies.items():
        response = bare.post(path, json=body)
        assert response.status_code == status, (path, response.get_json())
        assert "Set-Cookie" not in response.headers, path


def test_trends_takes_a_session_only_by_get_and_shares_nothing_cross_origin(scene):
    app, staff, _report_id, _receipt = scene
    rules = [r for r in app.url_map.iter_rules() if r.rule == "/api/v1/trends"]
    assert [sorted(r.methods - {"HEAD", "OPTIONS"}) for r in rules] == [["GET"]]
    evil = {"Origin": "https://evil.example", "Referer": "https://evil.example/page"}
    response = staff.get("/api/v1/trends", headers=evil)
    assert response.status_code == 200  # a same-site GET works for leadership
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert staff.post("/api/v1/trends", headers=evil).status_code == 405
    preflight = staff.options(
        "/api/v1/trends", headers={**evil, "Access-Control-Request-Method": "GET"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert app.test_client().get("/api/v1/trends", headers=evil).status_code == 401


def test_every_role_page_is_behind_its_login(scene):
    """The refusals above are CSRF's, not a missing login: anonymous posts go to the login."""
    app, _staff, report_id, _receipt = scene
    anonymous = app.test_client()
    page = anonymous.get("/login").get_data(as_text=True)
    token = csrf_token(page)
    response = anonymous.post(f"/review/{report_id}/notes", data={"csrf_token": token, "text": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
