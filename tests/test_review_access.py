"""Acceptance: who reaches the reviewers' workspace, on SQLite and PostgreSQL.

Anonymous visitors are sent to log in and leadership-only accounts get 403 on every /review
route (walked from the URL map); a reviewer of another group gets 404 for a report id, as
for one that does not exist; stepping aside, assignment and CSRF; locked keys say so.
"""

from __future__ import annotations

import pytest
from conftest import csrf_token
from review_support import (
    add_staff,
    db,
    file_report,
    inbox_ids,
    log_in,
    next_batch_time,
    post_form,
    run_batch,
)

from reporting.db import open_database
from reporting.models import Report, StepAside, User
from reporting.ops.instance import initialise

GROUPS = {"patient-safety": ["near-miss"], "ethics": ["moral-distress"]}


def review_routes(app, report_id):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/review"):
            url = rule.rule.replace("<report_id>", report_id)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


@pytest.fixture
def one_report(app, client, clock, tmp_path, recovery_key_file):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    add_staff(app, tmp_path, "lena", "leadership")
    run_batch(app)
    file_report(client, narrative="A near-miss with the infusion pump.")
    next_batch_time(clock)
    run_batch(app)
    with db(app):
        return Report.select().get().id


def test_anonymous_and_leadership_users_never_reach_a_review_route(app, one_report):
    routes = list(review_routes(app, one_report))
    assert len(routes) >= 7 and ("GET", f"/review/{one_report}") in routes
    anonymous, leader = app.test_client(), app.test_client()
    log_in(leader, "lena")
    for method, url in routes:
        # Posts carry a valid CSRF token, so it is the role check that stops them.
        response = anonymous.open(url, method=method, data={"csrf_token": _token(anonymous)})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login")
        response = leader.open(url, method=method, data={"csrf_token": _token(leader)})
        assert response.status_code == 403, (method, url)
        assert "infusion" not in response.get_data(as_text=True)
    with db(app):
        assert Report.get_by_id(one_report).status == "received"


def _token(client):
    return csrf_token(client.get("/login").get_data(as_text=True))


def test_review_pages_are_not_cached_and_posts_need_a_csrf_token(app, one_report):
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    page = reviewer.get(f"/review/{one_report}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert reviewer.get("/review").headers["Cache-Control"] == "no-store"
    refused = reviewer.post(f"/review/{one_report}/status", data={"status": "acknowledged"})
    assert refused.status_code == 400
    with db(app):
        assert Report.get_by_id(one_report).status == "received"


def test_a_member_of_another_group_neither_sees_nor_opens_the_report(
    backend, initialised, recovery_key_file, database_url, make_app, clock, tmp_path
):
    initialise(
        str(initialised),
        open_database(database_url, str(initialised)),
        str(recovery_key_file),
        ["default", *GROUPS],
    )
    app = make_app(REVIEW_GROUPS=GROUPS)
    client = app.test_client()
    add_staff(app, tmp_path, "nina", recovery_key_file=recovery_key_file, group="patient-safety")
    add_staff(app, tmp_path, "eric", recovery_key_file=recovery_key_file, group="ethics")
    run_batch(app)
    file_report(client, narrative="A pump story only patient safety may read.")
    file_report(client, kind="moral-distress", category="cost-pressure")
    next_batch_time(clock)
    run_batch(app)
    with db(app):
        near_miss = Report.get(Report.kind == "near-miss").id
        distress = Report.get(Report.kind == "moral-distress").id
    nina, eric = app.test_client(), app.test_client()
    log_in(nina, "nina")
    log_in(eric, "eric")
    assert inbox_ids(nina) == [near_miss] and inbox_ids(eric) == [distress]
    missing = "0" * 32
    for method, url in review_routes(app, near_miss):
        if near_miss not in url:
            continue
        page = f"/review/{distress}"
        response = post_form(eric, page, url) if method == "POST" else eric.get(url)
        unknown = (
            post_form(eric, page, url.replace(near_miss, missing))
            if method == "POST"
            else eric.get(url.replace(near_miss, missing))
        )
        assert response.status_code == unknown.status_code == 404, (method, url)
        assert response.get_data(as_text=True).count("pump") == 0
    with db(app):
        row = Report.get_by_id(near_miss)
        assert (row.status, row.assignee) == ("received", None)
        assert StepAside.select().count() == 0


def test_stepping_aside_leaves_the_inbox_and_unassigns(
    backend, app, client, clock, tmp_path, recovery_key_file, one_report
):
    add_staff(app, tmp_path, "bob", recovery_key_file=recovery_key_file)
    alice, bob = app.test_client(), app.test_client()
    log_in(alice, "alice")
    log_in(bob, "bob")
    page = f"/review/{one_report}"
    with db(app):
        alice_id = User.by_username("alice").id
    assert post_form(bob, page, page + "/assign", assignee=alice_id).status_code == 302
    with db(app):
        assert Report.get_by_id(one_report).assignee == alice_id
    assert "alice" in bob.get(page).get_data(as_text=True)
    refused = post_form(bob, page, page + "/assign", assignee="f" * 32)
    assert refused.status_code == 400
    assert post_form(alice, page, page + "/step-aside").status_code == 302
    assert inbox_ids(alice) == [] and alice.get(page).status_code == 404
    assert inbox_ids(bob) == [one_report]
    with db(app):
        assert Report.get_by_id(one_report).assignee is None
    again = post_form(bob, page, page + "/assign", assignee=alice_id)
    assert again.status_code == 400  # someone who stepped aside cannot be assigned


def test_a_reviewer_whose_keys_are_locked_is_told_to_log_in_again(app, one_report):
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    with reviewer.session_transaction() as cookie:
        cookie.pop("_ks")  # the secret that opens the key session is gone
    for url in ("/review", f"/review/{one_report}"):
        response = reviewer.get(url)
        assert response.status_code == 403
        text = response.get_data(as_text=True)
        assert "review keys are locked" in text and "infusion" not in text
