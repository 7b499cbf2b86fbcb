"""Hostile input, part three: property-based fuzzing of every form and every API body.

Hypothesis sends arbitrary field names, values (control characters, NUL, unassigned code
points, markup, numbers where text belongs, nested JSON, invalid UTF-8) and repeated fields
to each reporter form step, each staff form and each API body, bounded for CI
(``EXAMPLES`` per target, no deadline). The answer is never a 5xx: it is one of the
statuses the route documents, and an API error carries the documented JSON body
``{"error": {"code", "message", "fields"}}``. Rate limits are off; each form body carries
the session's CSRF token, so the bodies reach the views (test_csrf_everywhere.py proves that
a missing token is refused).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_headers import everyone
from werkzeug.datastructures import MultiDict

from reporting.db import close_all, database

EXAMPLES = 200
FIGURES: Counter = Counter()

SPECIAL_TEXT = [
    "",
    " ",
    "\x00",
    "near-miss",
    "moral-distress",
    "fall",
    "icu",
    "department:icu",
    "not-given",
    "-1",
    "11",
    "1e309",
    "0x10",
    "\u202eevil",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "%00%0d%0a",
    '=HYPERLINK("http://evil.example")',
    "x" * 10_001,
    "Dr Jones 07700 900123 jones@example.org",
]
hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(SPECIAL_TEXT),
)
# A URL path segment: no separator the test client would read as a new part of the URL. Some
# segments (an encoded slash, dots) still land on another route: 405 is a fair answer there.
path_segments = hostile_text.filter(lambda t: t and not set(t) & set("/?#"))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)

REPORT_FIELDS = [
    "kind",
    "category",
    "unit",
    "role",
    "intensity",
    "distress_type",
    "stopped_by",
    "potential_harm",
    "narrative",
    "keep",
    "period",
]


def json_objects(fields: list[str]):
    """Objects with the route's own fields (any JSON value) and unknown ones."""
    return st.fixed_dictionaries(
        {}, optional={name: json_values for name in fields}
    ) | st.dictionaries(hostile_text, json_values, max_size=5)


def json_bodies(fields: list[str]):
    """(bytes, content type): mostly JSON objects, sometimes other JSON, bytes or types."""
    as_json = json_objects(fields).map(lambda v: (json.dumps(v).encode(), "application/json"))
    other_json = json_values.map(lambda v: (json.dumps(v).encode(), "application/json"))
    raw = st.tuples(
        st.binary(max_size=200),
        st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    )
    return st.one_of(as_json, as_json, other_json, raw)


def form_bodies(fields: list[str], fixed: dict[str, list] | None = None):
    """Form bodies: the route's fields (repeated sometimes) and unknown ones, as a MultiDict."""
    values = st.lists(hostile_text, min_size=1, max_size=3)
    known = st.fixed_dictionaries({}, optional={name: values for name in fields})
    extra = st.dictionaries(st.text(max_size=12), values, max_size=3)

    def merge(pair):
        known_part, extra_part = pair
        merged = MultiDict()
        for part in (extra_part, known_part, fixed or {}):
            for name, items in part.items():
                merged.setlist(name, items)
        return merged

    return st.tuples(known, extra).map(merge)


def token_of(client, page: str = "/login") -> dict[str, list[str]]:
    """The client's session CSRF token, as a fixed form field (it lasts the session)."""
    return {"csrf_token": [csrf_token(client.get(page).get_data(as_text=True))]}


def assert_api_answer(response, allowed: set[int], where: str) -> None:
    assert response.status_code < 500, (where, response.get_data(as_text=True)[:500])
    assert response.status_code in allowed, (where, response.status_code, response.get_json())
    body = response.get_json(silent=True)
    assert body is not None, (where, "the answer is not JSON")
    if response.status_code >= 400:
        error = body.get("error")
        assert isinstance(error, dict), (where, body)
        assert isinstance(error.get("code"), str) and error["code"], (where, body)
        assert isinstance(error.get("message"), str) and error["message"], (where, body)
        assert isinstance(error.get("fields"), dict), (where, body)
        assert all(isinstance(v, str) for v in error["fields"].values()), (where, body)


def assert_page_answer(response, allowed: set[int], where: str) -> None:
    assert response.status_code < 500, (where, response.get_data(as_text=True)[:500])
    assert response.status_code in allowed, (where, response.status_code)
    if response.status_code != 302:
        assert response.mimetype == "text/html", where


def bounded(test):
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(test)


@pytest.fixture
def fuzz_app(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    yield app
    close_all(database.obj)


@pytest.fixture
def scene(fuzz_app, clock, tmp_path, recovery_key_file):
    """A staff client holding every role, a report in its inbox, and that report's receipt."""
    staff, report_id, receipt = everyone(
        fuzz_app, fuzz_app.test_client(), clock, tmp_path, recovery_key_file
    )
    return fuzz_app, staff, report_id, receipt


def count(target: str) -> None:
    FIGURES[target] += 1


# --- the JSON API --------------------------------------------------------------------------

API_TARGETS = {
    "/api/v1/reports": (REPORT_FIELDS, {201, 400, 413, 415}),
    "/api/v1/deidentify": (["narrative", "keep"], {200, 400, 413, 415}),
    "/api/v1/follow-up": (["receipt"], {200, 400, 404, 413, 415}),
    "/api/v1/follow-up/messages": (["receipt", "message", "keep"], {201, 400, 404, 409, 413, 415}),
}


@pytest.mark.parametrize("path", sorted(API_TARGETS))
def test_api_bodies_never_fail_with_a_server_error(scene, path):
    app, _staff, _report_id, receipt = scene
    fields, allowed = API_TARGETS[path]
    client = app.test_client(use_cookies=False)
    receipts = st.sampled_from([receipt, receipt.lower().replace("-", " ")])

    @bounded
    @given(json_bodies(fields), st.booleans(), receipts)
    def run(body, use_receipt, real):
        data, content_type = body
        if use_receipt and "receipt" in fields:
            try:
                value = json.loads(data)
            except ValueError:
                value = None  # a raw body: sent as it is
            if isinstance(value, dict):
                data = json.dumps({**value, "receipt": real}).encode()
        response = client.post(path, data=data, content_type=content_type)
        count(path)
        assert_api_answer(response, allowed, path)

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


TRENDS_PARAMS = [
    "granularity",
    "group_by",
    "since",
    "until",
    "kind",
    "category",
    "department",
    "unit",
    "role",
    "severity",
]


def test_trends_parameters_never_fail_with_a_server_error(scene):
    app, staff, _report_id, _receipt = scene
    params = form_bodies(TRENDS_PARAMS)

    @bounded
    @given(params)
    def run(query):
        response = staff.get("/api/v1/trends", query_string=query)
        count("/api/v1/trends")
        assert_api_answer(response, {200, 400}, f"/api/v1/trends?{query}")

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


# --- the reporter's forms ------------------------------------------------------------------

REPORT_FORM_FIELDS = [*REPORT_FIELDS, "action", "draft", "restore"]
REPORT_ACTIONS = ["start", "continue", "edit", "restore", "submit", "", "other"]


def test_every_step_of_the_report_form_never_fails_with_a_server_error(scene):
    app, _staff, _report_id, _receipt = scene
    client = app.test_client()
    token = token_of(client, "/report")

    @bounded
    @given(form_bodies(REPORT_FORM_FIELDS, token), st.sampled_from(REPORT_ACTIONS))
    def run(body, action):
        body.setdefault("action", action)
        response = client.post("/report", data=body)
        count("/report")
        assert_page_answer(response, {200, 400, 413}, f"/report {body}")

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


def test_follow_up_forms_never_fail_with_a_server_error(scene):
    app, _staff, _report_id, receipt = scene
    client = app.test_client()
    answer_fields = ["receipt", "message", "draft", "restore", "action"]
    token = token_of(client, "/follow-up")
    actions = st.sampled_from(["review", "restore", "send", "", "x"])

    @bounded
    @given(
        form_bodies(["receipt"], token),
        form_bodies(answer_fields, token),
        st.booleans(),
        actions,
    )
    def run(status_body, answer_body, use_receipt, action):
        if use_receipt:
            status_body.setlist("receipt", [receipt])
            answer_body.setlist("receipt", [receipt])
        answer_body.setdefault("action", action)
        status = client.post("/follow-up", data=status_body)
        answer = client.post("/follow-up/answer", data=answer_body)
        count("/follow-up")
        count("/follow-up/answer")
        assert_page_answer(status, {200, 400, 404, 413}, f"/follow-up {status_body}")
        assert_page_answer(answer, {200, 400, 404, 413}, f"/follow-up/answer {answer_body}")

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


# --- the staff forms -----------------------------------------------------------------------


def test_login_form_never_fails_with_a_server_error(scene):
    app, _staff, _report_id, _receipt = scene
    client = app.test_client()
    token = token_of(client)

    @settings(
        max_examples=EXAMPLES // 4,  # each attempt costs a real argon2 verification
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(form_bodies(["username", "password", "code", "next"], token))
    def run(body):
        response = client.post("/login", data=body)
        count("/login")
        assert_page_answer(response, {200, 302, 400, 401, 403, 413}, f"/login {body}")

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


def test_review_forms_never_fail_with_a_server_error(scene):
    app, staff, report_id, _receipt = scene
    token = token_of(staff, "/review")
    forms = {
        "status": ["status", "referral"],
        "assign": ["assignee"],
        "notes": ["text"],
        "reply": ["text"],
    }
    ids = st.one_of(
        st.just(report_id), hostile_text.filter(lambda t: t and not set(t) & set("/?#"))
    )
    bodies = st.sampled_from(sorted(forms)).flatmap(
        lambda name: st.tuples(st.just(name), form_bodies(forms[name], token))
    )

    @bounded
    @given(bodies, ids)
    def run(named_body, target):
        name, body = named_body
        path = f"/review/{target}/{name}"
        response = staff.post(path, data=body)
        count(f"/review/<id>/{name}")
        assert_page_answer(response, {200, 302, 400, 404, 405, 413}, f"{path} {body}")
        assert staff.get(f"/review/{report_id}").status_code == 200

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


def test_publishing_you_said_we_did_never_fails_with_a_server_error(scene):
    app, staff, _report_id, _receipt = scene
    targets = st.one_of(
        hostile_text,
        st.tuples(
            st.sampled_from(["2026-Q3", "2026-Q2", "2026", "Q3", ""]),
            st.sampled_from(["near-miss", "moral-distress", "x"]),
            st.sampled_from(["fall", "medication", "unsafe-staffing", ""]),
        ).map("|".join),
    )

    token = token_of(staff, "/review/actions")

    @bounded
    @given(form_bodies(["target", "text"], token), targets)
    def run(body, target):
        body.setdefault("target", target)
        response = staff.post("/review/actions", data=body)
        count("/review/actions")
        assert_page_answer(response, {200, 302, 400, 413}, f"/review/actions {body}")

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


def test_stepping_aside_from_any_address_never_fails_with_a_server_error(scene):
    app, staff, _report_id, _receipt = scene
    token = token_of(staff, "/review")

    @bounded
    @given(path_segments, form_bodies([], token))
    def run(target, body):
        response = staff.post(f"/review/{target}/step-aside", data=body)
        count("/review/<id>/step-aside")
        assert_page_answer(response, {302, 404, 405, 413}, target)

    run()
    print(f"\nfuzz cases so far: {dict(FIGURES)}, total {sum(FIGURES.values())}")


def test_the_answer_checks_catch_a_server_error_and_a_bare_error_body(fuzz_app):
    """The assertions above can fail: a 500 and a 400 without the error body both do."""
    from flask import Response

    with fuzz_app.test_request_context():
        server_error = Response("boom", status=500)
        bare = Response('{"oops": 1}', status=400, mimetype="application/json")
        for response in (server_error, bare):
            with pytest.raises(AssertionError):
                assert_api_answer(response, {400, 500}, "probe")
        with pytest.raises(AssertionError):
            assert_page_answer(server_error, {500}, "probe")


def test_a_nul_in_a_typed_username_is_refused_and_audited_not_a_server_error(scene):
    """Found by the login fuzzing on PostgreSQL, whose text columns cannot hold a NUL."""
    from reporting import audit

    app, _staff, _report_id, _receipt = scene
    client = app.test_client()
    body = {**token_of(client), "username": ["chi\x00ef"], "password": ["correct horse"]}
    response = client.post("/login", data=MultiDict(body))
    assert response.status_code == 401
    with app.app_context(), database.connection_context():
        entries = audit.recent(limit=5, action="login-failed")
    assert [e.object for e in entries][:1] == ["chi\ufffdef"]
