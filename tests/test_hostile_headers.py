"""Hostile input, part one: every response carries the headers that stop injection and leaks.

Every GET route in ``app.url_map`` is requested (anonymously, and logged in as one account
holding every staff role, so staff pages render rather than redirect), and so are error
answers (400, 404, 405, 413, 429, 500). Each must carry a Content-Security-Policy without
inline script or any third-party source and with ``frame-ancestors 'none'``,
``Referrer-Policy: no-referrer``, ``X-Content-Type-Options: nosniff`` and, except for static
files, ``Cache-Control: no-store``. HSTS is sent over HTTPS only. A route added later is
visited automatically; one with a URL argument this module cannot fill fails loudly.
"""

from __future__ import annotations

import pytest
from conftest import csrf_token
from pulse_support import open_wave_with_codes
from review_support import (
    a_published_summary,
    add_staff,
    file_report,
    inbox_ids,
    log_in,
    next_batch_time,
    run_batch,
)

# Sources a policy may name: the app's own origin, nothing, and data: images (charts).
ALLOWED_SOURCES = {"'self'", "'none'"}
ALLOWED_DATA_DIRECTIVES = {"img-src"}
ALL_ROLES = ("reviewer", "leadership", "admin")
STATIC_SAMPLE = "css/site.css"


def policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_safe_policy(header: str | None, where: str) -> None:
    assert header, f"{where}: no Content-Security-Policy"
    directives = policy(header)
    script = directives.get("script-src", directives.get("default-src"))
    assert script is not None, f"{where}: the policy does not restrict scripts"
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert "default-src" in directives, f"{where}: no default-src fallback"
    for name, sources in directives.items():
        for source in sources:
            if source == "data:" and name in ALLOWED_DATA_DIRECTIVES:
                continue
            assert source in ALLOWED_SOURCES, f"{where}: {name} allows {source}"


def assert_hostile_headers(response, where: str, *, https: bool = False) -> None:
    headers = response.headers
    assert_safe_policy(headers.get("Content-Security-Policy"), where)
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    if https:
        hsts = headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    else:
        assert "Strict-Transport-Security" not in headers, f"{where}: HSTS over plain HTTP"


def assert_not_stored(response, where: str) -> None:
    assert response.headers.get("Cache-Control") == "no-store", where


def get_urls(app, values: dict[str, str]) -> list[tuple[str, str]]:
    """(endpoint, URL) for every GET route, URL arguments filled from ``values``."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            missing = set(rule.arguments) - set(values)
            assert not missing, f"{rule.rule}: add a sample value for {sorted(missing)}"
            urls.append(
                (rule.endpoint, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
            )
    return sorted(urls)


def everyone(app, client, clock, tmp_path, recovery_key_file):
    """A client logged in with every staff role, a report in its inbox, and that report."""
    add_staff(app, tmp_path, "chief", *ALL_ROLES, recovery_key_file=recovery_key_file)
    run_batch(app)
    receipt = file_report(client, narrative="The pump was set tenfold.")
    next_batch_time(clock)
    staff = app.test_client()
    log_in(staff, "chief")
    (report_id,) = inbox_ids(staff)
    return staff, report_id, receipt


@pytest.fixture
def chief(app, client, clock, tmp_path, recovery_key_file):
    return everyone(app, client, clock, tmp_path, recovery_key_file)


def test_every_get_route_carries_the_headers_for_staff_and_anonymous_visitors(app, chief):
    staff, report_id, _receipt = chief
    anonymous = app.test_client()
    wave_id, _codes = open_wave_with_codes(app, count=1)
    summary_id = a_published_summary(app)
    urls = get_urls(
        app,
        {
            "report_id": report_id,
            "filename": STATIC_SAMPLE,
            "wave_id": wave_id,
            "summary_id": summary_id,
        },
    )
    assert len(urls) >= 15, urls  # the walk really found the routes
    for endpoint, url in urls:
        for who, client in (("staff", staff), ("anonymous", anonymous)):
            response = client.get(url)
            where = f"{who} GET {url}"
            assert response.status_code < 500, where
            if who == "staff":  # the one account holds every role: it reaches every page
                assert response.status_code == 200, where
            assert_hostile_headers(response, where)
            if endpoint != "static":
                assert_not_stored(response, where)


def test_reporter_review_and_dashboard_pages_are_no_store(app, chief):
    staff, report_id, _receipt = chief
    for path in ("/", "/report", "/follow-up", "/you-said-we-did", "/login"):
        assert_not_stored(app.test_client().get(path), path)
    for path in (
        "/review",
        f"/review/{report_id}",
        "/review/actions",
        "/dashboard",
        "/dashboard/export.csv",
        "/admin/audit",
    ):
        response = staff.get(path)
        assert response.status_code == 200, path
        assert_not_stored(response, path)


def test_reporter_form_steps_and_follow_up_answers_are_no_store(client, reporter, chief):
    _staff, _report_id, receipt = chief
    details = reporter.details("near-miss", category="fall", narrative="Dr Jones saw it.")
    assert details.status_code == 200
    assert_not_stored(details, "POST /report (review step)")
    assert_hostile_headers(details, "POST /report (review step)")
    token = csrf_token(client.get("/follow-up").get_data(as_text=True))
    status = client.post("/follow-up", data={"csrf_token": token, "receipt": receipt})
    assert status.status_code == 200
    assert_not_stored(status, "POST /follow-up")
    assert_hostile_headers(status, "POST /follow-up")


def test_hsts_is_sent_over_https_and_never_over_http(app, chief):
    staff, report_id, _receipt = chief
    secure = app.test_client()
    for path in ("/", "/report", "/api/v1/taxonomy", "/no-such-page", "/static/css/site.css"):
        assert_hostile_headers(secure.get(path, base_url="https://localhost"), path, https=True)
        assert_hostile_headers(app.test_client().get(path), path, https=False)
    staff_page = staff.get(f"/review/{report_id}", base_url="https://localhost")
    assert_hostile_headers(staff_page, "staff page over https", https=True)


def test_api_answers_carry_the_headers(app, client, chief):
    staff, _report_id, receipt = chief
    answers = {
        "POST /api/v1/reports": client.post(
            "/api/v1/reports", json={"kind": "near-miss", "category": "fall"}
        ),
        "POST /api/v1/follow-up": client.post("/api/v1/follow-up", json={"receipt": receipt}),
        "POST /api/v1/deidentify": client.post("/api/v1/deidentify", json={"narrative": "x"}),
        "GET /api/v1/trends": staff.get("/api/v1/trends"),
        "GET /api/v1/trends (401)": client.get("/api/v1/trends"),
    }
    for where, response in answers.items():
        assert response.status_code < 500, where
        assert_hostile_headers(response, where)
        assert_not_stored(response, where)


@pytest.fixture
def tight_app(make_app):
    """Limits of one request a minute, so the second one is a 429."""
    app = make_app(
        RATELIMIT_FILING="1 per minute",
        RATELIMIT_LOGIN="1 per minute",
        RATELIMIT_FORM="1 per minute",
    )

    @app.get("/__fails")
    def _fails():
        raise RuntimeError("a bug on purpose, to see the 500 page's headers")

    yield app
    from reporting.db import close_all, database

    close_all(database.obj)


def error_answers(app) -> dict[str, tuple[int, object]]:
    client = app.test_client()
    big_json = b'{"narrative": "' + b"x" * (300 * 1024) + b'"}'
    big_form = b"kind=near-miss&narrative=" + b"x" * (300 * 1024)
    client.post("/api/v1/deidentify", json={"narrative": "first"})
    login_page = client.get("/login").get_data(as_text=True)
    login = {"csrf_token": csrf_token(login_page), "username": "nobody", "password": "x"}
    client.post("/login", data=login)
    return {
        "400 csrf": (400, client.post("/follow-up", data={"receipt": "ABCD"})),
        "400 api": (400, client.post("/api/v1/follow-up", json={"receipt": 7})),
        "404 page": (404, client.get("/no-such-page")),
        "404 api": (404, client.get("/api/v1/no-such-thing")),
        "404 static": (404, client.get("/static/no-such-file.css")),
        "405 page": (405, client.get("/leave")),
        "405 api": (405, client.get("/api/v1/reports")),
        "413 api": (
            413,
            client.post("/api/v1/reports", data=big_json, content_type="application/json"),
        ),
        "413 form": (
            413,
            client.post("/report", data=big_form, content_type="application/x-www-form-urlencoded"),
        ),
        "415 api": (415, client.post("/api/v1/follow-up", data="receipt=ABCD")),
        "429 api": (429, client.post("/api/v1/deidentify", json={"narrative": "second"})),
        "429 page": (429, client.post("/login", data=login)),
        "500 page": (500, client.get("/__fails")),
    }


def test_error_answers_carry_the_headers(tight_app):
    for where, (status, response) in error_answers(tight_app).items():
        assert response.status_code == status, where
        assert_hostile_headers(response, where)
        assert_not_stored(response, where)


def test_error_answers_over_https_carry_hsts(tight_app):
    client = tight_app.test_client()
    for path in ("/no-such-page", "/api/v1/no-such-thing", "/__fails"):
        response = client.get(path, base_url="https://localhost")
        assert response.status_code in (404, 500)
        assert_hostile_headers(response, path, https=True)


def test_the_policy_checker_catches_weak_policies():
    """The checks above would fail on the policies a careless change might bring."""
    weak = [
        "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self' https://cdn.example; frame-ancestors 'none'",
        "default-src 'self'; script-src 'self'",
        "default-src *; frame-ancestors 'none'; object-src 'none'",
        "script-src 'self'; frame-ancestors 'none'; object-src 'none'",
        "default-src 'self'; style-src 'self' https:; frame-ancestors 'none'; object-src 'none'",
    ]
    for header in weak:
        with pytest.raises(AssertionError):
            assert_safe_policy(header, header)
