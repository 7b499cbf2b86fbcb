"""The reporter's pages, driven as a browser with JavaScript off would drive them, CSRF on."""

import re

import pytest
from conftest import csrf_token, hidden_inputs, receipt_in, textarea
from helpers import narratives_opened_with, report_count, stored_reports

NARRATIVE = (
    "On Tuesday the registrar, Priya Nair, asked me to give 40 mg furosemide IV "
    "but the chart said 4 mg. Call me on 07700 900123."
)


def test_landing_page_says_what_is_recorded_in_plain_words(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for phrase in (
        "Not for emergencies",
        "daily batches",
        "What is recorded",
        "What could still identify you",
        "Incident reporting system",
    ):
        assert phrase in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "Clear and leave" in html


def test_full_flow_with_review_restore_and_receipt(reporter, client, app, recovery_key_file):
    review = reporter.details(
        "near-miss",
        category="medication",
        unit="icu",
        role="nursing",
        stopped_by="staff",
        potential_harm="moderate",
        narrative=NARRATIVE,
    )
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Check your account before it is sent" in html
    text = textarea(html)
    assert "Priya" not in text and "07700" not in text
    assert "[NAME]" in text and "[PHONE]" in text and "40 mg furosemide" in text
    assert '<mark class="token"' in html  # every replacement is marked
    assert "Priya Nair" in html  # the reporter sees what was replaced, to restore it
    assert "Priya" not in hidden_inputs(html).get("draft", "")  # the draft travels sealed

    # Restore the phone number (the second token) on purpose: a warning is shown.
    tokens = re.findall(r"\[(NAME|PHONE)\]", text)
    restored = reporter.step(html, "restore", restore=str(tokens.index("PHONE")))
    html = restored.get_data(as_text=True)
    assert "You put back your own words" in html
    assert "07700 900123" in textarea(html) and "[NAME]" in textarea(html)

    filed = reporter.step(html, "submit")
    html = filed.get_data(as_text=True)
    assert filed.status_code == 200
    receipt = receipt_in(html)
    # The session ends at filing: the new cookie holds only the filed flow's random name.
    session = app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie("session").value
    )
    assert set(session) == {"filed"} and receipt not in str(session)

    (report,) = stored_reports()
    assert report.unit == "icu" and report.severity == "moderate" and report.period == "2026-11"
    (narrative,) = narratives_opened_with(recovery_key_file).values()
    assert "07700 900123" in narrative and "Priya" not in narrative

    status = client.post(
        "/follow-up",
        data={
            "receipt": receipt,
            "csrf_token": csrf_token(client.get("/follow-up").get_data(as_text=True)),
        },
    )
    assert status.status_code == 200
    assert "Received" in status.get_data(as_text=True)


def test_edits_are_scrubbed_again_before_anything_is_sent(reporter):
    review = reporter.details(
        "moral-distress", category="team-conflict", narrative="It was a long night."
    )
    html = review.get_data(as_text=True)
    edited = textarea(html) + " Sister Agnieszka Kowalczyk told me to stay quiet."
    again = reporter.step(html, "submit", narrative=edited)
    html = again.get_data(as_text=True)
    assert "We replaced more identifying details" in html
    assert "Kowalczyk" not in textarea(html)
    assert report_count() == 0
    filed = reporter.step(html, "submit")
    receipt_in(filed.get_data(as_text=True))
    assert report_count() == 1


def test_recheck_keeps_earlier_replacements_restorable(reporter):
    html = reporter.details(
        "near-miss", category="fall", narrative="Dr Okafor saw the fall."
    ).get_data(as_text=True)
    edited = textarea(html) + " Patient was 93 years old."
    html = reporter.step(html, "recheck", narrative=edited).get_data(as_text=True)
    assert "Dr Okafor" in html  # still listed with its original
    assert "[NAME]" in textarea(html)


def test_report_without_narrative_is_filed_straight_away(reporter):
    response = reporter.details("moral-distress", category="cost-pressure", intensity="4")
    receipt_in(response.get_data(as_text=True))
    (report,) = stored_reports()
    assert report.intensity == 4 and report.severity == "moderate" and report.narrative is None


def test_missing_category_is_explained_and_nothing_is_stored(reporter):
    response = reporter.details("near-miss", narrative="Something happened.")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose what it was about from the list." in html  # a sentence, not a field code
    assert "is required" not in html
    assert "Something happened." in textarea(html)  # nothing the reporter wrote is lost
    assert report_count() == 0


def test_field_of_the_other_kind_is_refused(reporter):
    response = reporter.details("moral-distress", category="team-conflict", potential_harm="severe")
    assert response.status_code == 400
    assert "Choose how bad it could have been, or leave the question blank." in (
        response.get_data(as_text=True)
    )
    assert report_count() == 0


def test_post_without_csrf_token_is_refused_and_stores_nothing(client):
    client.get("/report")
    response = client.post(
        "/report",
        data={
            "kind": "near-miss",
            "category": "fall",
            "action": "continue",
            "narrative": "keep me",
        },
    )
    assert response.status_code == 400
    assert "nothing was sent" in response.get_data(as_text=True)
    assert "keep me" in response.get_data(as_text=True)  # the reporter's text is shown again
    assert report_count() == 0
    assert client.post("/follow-up", data={"receipt": "x"}).status_code == 400


def test_reporter_session_cookie_is_strict_httponly_and_not_persistent(client):
    response = client.get("/report")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_reporter_session_expires_after_fifteen_minutes(app, reporter):
    assert app.permanent_session_lifetime.total_seconds() == 15 * 60


@pytest.mark.parametrize("path", ["/", "/report", "/follow-up"])
def test_reporter_pages_are_no_store_and_autocomplete_off(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    for form in re.findall(r"<form[^>]*>", html):
        if "leave" not in form:
            assert 'autocomplete="off"' in form


def test_receipt_is_never_in_a_url(reporter):
    response = reporter.details("near-miss", category="vte")
    html = response.get_data(as_text=True)
    receipt = receipt_in(html)
    assert "Location" not in response.headers
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', html):
        assert receipt not in url and receipt.replace("-", "") not in url


def test_unknown_receipt_on_the_web_is_404(client):
    token = csrf_token(client.get("/follow-up").get_data(as_text=True))
    response = client.post(
        "/follow-up", data={"receipt": "ABCD-2345-EFGH-6789", "csrf_token": token}
    )
    assert response.status_code == 404
    assert "No report answers to that receipt" in response.get_data(as_text=True)


def test_clear_and_leave_ends_the_session_and_clears_site_data(client):
    client.get("/report")
    response = client.post("/leave")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_markup_in_narrative_is_shown_as_text_not_run(reporter):
    review = reporter.details(
        "near-miss", category="fall", narrative='<img src=x onerror="alert(1)">Bed rail down'
    )
    html = review.get_data(as_text=True)
    assert "<img" not in html and "onerror" not in textarea(html)
    assert "Bed rail down" in textarea(html)


def test_start_page_without_kind_asks_again(client):
    token = csrf_token(client.get("/report").get_data(as_text=True))
    response = client.post("/report", data={"csrf_token": token, "action": "start", "kind": "x"})
    assert response.status_code == 400
    assert "Choose what you want to tell us about" in response.get_data(as_text=True)


def _raw_post(client, body: bytes):
    return client.post("/report", data=body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize(
    "narrative",
    [b"%FF%FE%FDbroken utf-8", b"nul%00byte%00here", b"%3Cscript%3Ealert(1)%3C/script%3Eok"],
)
def test_hostile_form_bytes_are_stored_sanitised_or_refused_never_500(
    client, narrative, recovery_key_file
):
    token = csrf_token(client.get("/report").get_data(as_text=True))
    body = (
        b"csrf_token=" + token.encode() + b"&action=continue&kind=near-miss&category=fall"
        b"&narrative=" + narrative
    )
    review = _raw_post(client, body)
    assert review.status_code in (200, 400)
    if review.status_code == 200:
        html = review.get_data(as_text=True)
        filed = _raw_post(
            client,
            b"csrf_token=" + csrf_token(html).encode() + b"&action=submit&kind=near-miss"
            b"&category=fall&draft="
            + hidden_inputs(html)["draft"].encode()
            + b"&narrative="
            + textarea(html).encode("utf-8").replace(b"&", b"%26"),
        )
        assert filed.status_code == 200
        receipt_in(filed.get_data(as_text=True))
        (text,) = narratives_opened_with(recovery_key_file).values()
        assert "\x00" not in text and "<script>" not in text


def test_a_megabyte_of_form_is_refused_with_413(client):
    token = csrf_token(client.get("/report").get_data(as_text=True))
    body = b"csrf_token=" + token.encode() + b"&action=continue&kind=near-miss&category=fall"
    response = _raw_post(client, body + b"&narrative=" + b"+" * 1_048_576)
    assert response.status_code == 413
    assert report_count() == 0


def test_an_account_over_the_limit_is_refused_in_a_sentence_and_kept_whole(reporter, app):
    limit = int(app.config["MAX_NARRATIVE_CHARS"])
    text = "The pump alarm sounded again. " * (limit // 30 + 10)
    response = reporter.details("near-miss", category="medication", narrative=text)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Your account is {len(text.strip()):,} characters long" in html or (
        f"Your account is {len(text):,} characters long" in html
    )
    assert f"we can take up to {limit:,}" in html and "nothing you wrote has been cut" in html
    assert textarea(html).strip() == text.strip()  # every word kept, nothing truncated
    assert "maxlength" not in html.split('id="narrative"')[1].split(">")[0]
    assert report_count() == 0
