"""The pulse survey's pages with JavaScript off: code -> token -> answers -> thank you.

Real SQLite, real blind signatures, the real scrubber and CSRF on. What is proved: the
flow stores one response; a wrong or used code is refused in plain words and keeps what
was typed; refused answers come back with everything entered and the token still usable;
a comment is stored only after its scrubbed text was shown back and confirmed; a token
answers once; the token is never in a cookie, a URL or a log.
"""

from __future__ import annotations

import html
import json
import logging
from datetime import UTC, datetime

import pytest
from conftest import csrf_token, hidden_inputs, textarea
from pulse_support import ALL_AGREE, Respondent, checked_radios, open_wave_with_codes, selected
from test_csrf_everywhere import table_fingerprints

from reporting.db import database
from reporting.models import PulseCode, PulseResponse, PulseSpentToken
from reporting.privacy import crypto, keys
from reporting.pulse.responses import ALREADY_ANSWERED, CODE_REFUSED, comment_context
from reporting.pulse.waves import close_wave

COMPLETE = {**ALL_AGREE, "unit": "icu", "role": "nursing"}
NAME = "Dr Sarah Okafor"
COMMENT = f"{NAME} told us at handover that nights are short-staffed."


@pytest.fixture
def wave(app):
    return open_wave_with_codes(app, count=4)


@pytest.fixture
def respondent(client, wave) -> Respondent:
    return Respondent(client, wave[0])


def counts(app) -> tuple[int, int, int]:
    with app.app_context(), database.connection_context():
        tables = (PulseCode, PulseSpentToken, PulseResponse)
        return tuple(table.select().count() for table in tables)


def set_cookies(response) -> list[str]:
    return [v for k, v in response.headers.items() if k.lower() == "set-cookie"]


def test_the_code_page_explains_the_anonymity_and_asks_for_the_code(client, wave):
    page = client.get(f"/pulse/{wave[0]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Team psychological safety</h1>" in text
    assert "2 November 2026" in text and "20 November 2026" in text
    for words in ("One code, one response", "cannot be linked to your answers", "No time is kept"):
        assert words in text
    assert 'name="code"' in text and csrf_token(text)
    assert "<script" not in text


def test_unknown_closed_and_not_yet_open_waves_say_so_in_plain_words(app, client, wave, clock):
    missing = client.get("/pulse/" + "0" * 32)
    assert missing.status_code == 404 and "no survey at this address" in missing.text
    clock.now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    early = client.get(f"/pulse/{wave[0]}")
    assert early.status_code == 200 and "This survey opens on 02 November 2026." in early.text
    assert 'name="code"' not in early.text
    clock.now = datetime(2026, 11, 14, 12, tzinfo=UTC)
    with app.app_context(), database.connection_context():
        close_wave(wave[0])
    closed = client.get(f"/pulse/{wave[0]}")
    assert closed.status_code == 200 and "This survey has closed." in closed.text
    assert 'name="code"' not in closed.text


def test_the_answer_form_has_every_statement_the_selects_and_the_optional_questions(
    respondent, wave
):
    form = respondent.answer_form(wave[1][0])
    assert form.count('<fieldset class="field scale"') == 7
    assert "If you make a mistake on this team, it is often held against you." in form
    for label in ("Strongly disagree", "Neither agree nor disagree", "Strongly agree"):
        assert form.count(f"> {label}</label>") == 7
    assert '<option value="prefer-not"' in form and '<option value="icu"' in form
    assert '<option value="nursing"' in form and '<option value="not-given"' in form
    assert "how often did you know the right thing to do" in form
    assert 'maxlength="2000"' in form
    token = hidden_inputs(form)
    assert len(bytes.fromhex(token["token_signature"])) == 256  # a 2048-bit RSA signature
    assert " required" not in form  # nothing is forced on the browser; the server judges


def test_the_whole_flow_stores_one_response_and_redirects_to_a_plain_thank_you(
    app, respondent, wave
):
    form = respondent.answer_form(wave[1][0].lower().replace("-", " "))
    assert counts(app) == (3, 0, 0)  # the code was burnt at the exchange
    optional = {"optional-md-frequency": "Sometimes", "optional-md-intensity": ""}
    done = respondent.post_answers(form, **{**COMPLETE, **optional, "answer-ps1": "2"})
    assert done.status_code == 303 and done.headers["Location"] == "/pulse/thank-you"
    thanks = respondent.client.get(done.headers["Location"])
    assert thanks.status_code == 200 and "Your answers were recorded" in thanks.text
    assert counts(app) == (3, 1, 1)
    with app.app_context(), database.connection_context():
        row = PulseResponse.get()
        assert (row.unit, row.role, row.comment) == ("icu", "nursing", None)
        assert json.loads(row.answers) == {"ps1": 2, **{f"ps{i}": 6 for i in range(2, 8)}}
        assert json.loads(row.optional_answers) == {"md-frequency": "Sometimes"}


def test_a_wrong_code_is_refused_keeps_what_was_typed_and_burns_nothing(app, respondent):
    refused = respondent.enter_code("ABCD-2345-EFGH")
    assert refused.status_code == 400
    assert html.escape(CODE_REFUSED) in refused.text
    assert 'value="ABCD-2345-EFGH"' in refused.text
    assert "token_signature" not in refused.text
    assert counts(app) == (4, 0, 0)


def test_a_used_code_is_refused_the_second_time(respondent, wave):
    respondent.answer_form(wave[1][1])
    again = respondent.enter_code(wave[1][1])
    assert again.status_code == 400 and html.escape(CODE_REFUSED) in again.text


def test_missing_answers_come_back_with_everything_entered_and_the_token_still_works(
    app, respondent, wave
):
    form = respondent.answer_form(wave[1][0])
    partial = {"answer-ps1": "3", "answer-ps4": "7", "unit": "prefer-not", "role": "medical"}
    partial |= {"optional-md-frequency": "Often", "comment": COMMENT}
    refused = respondent.post_answers(form, **partial)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Please answer every statement (5 not answered): nothing was stored." in page
    assert checked_radios(page) == {
        "answer-ps1": "3",
        "answer-ps4": "7",
        "optional-md-frequency": "Often",
        "optional-md-intensity": "",
    }
    assert selected(page, "unit") == "prefer-not" and selected(page, "role") == "medical"
    assert textarea(page, "comment") == COMMENT  # as typed: the scrub comes after the answers
    assert page.count("Statement ") == 5 and 'href="#answer-ps2"' in page
    assert hidden_inputs(page) == hidden_inputs(form)  # the same token, still unspent
    assert counts(app) == (3, 0, 0)
    rest = {f"answer-ps{i}": "5" for i in (2, 3, 5, 6, 7)}
    confirm = respondent.post_answers(page, **partial, **rest)
    assert "Check your comment before it is sent" in confirm.text
    done = respondent.post_answers(confirm.text, "send", comment=textarea(confirm.text, "comment"))
    assert done.status_code == 303 and counts(app) == (3, 1, 1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"unit": ""}, "Choose your unit from the list"),
        ({"unit": "nowhere"}, "Choose your unit from the list"),
        ({"role": ""}, "Choose your staff group from the list"),
        ({"optional-md-frequency": "Always"}, "is not one of the answers"),
        ({"answer-ps3": "9"}, "Please answer every statement (1 not answered)"),
    ],
)
def test_invalid_choices_are_refused_before_anything_is_stored(
    app, respondent, wave, fields, message
):
    form = respondent.answer_form(wave[1][0])
    refused = respondent.post_answers(form, **{**COMPLETE, **fields})
    assert refused.status_code == 400 and message in refused.text
    assert counts(app) == (3, 0, 0)


def test_a_second_submission_with_the_same_token_is_refused_in_plain_words(app, respondent, wave):
    form = respondent.answer_form(wave[1][0])
    assert respondent.post_answers(form, **COMPLETE).status_code == 303
    again = respondent.post_answers(form, **{**COMPLETE, "answer-ps2": "1"})
    assert again.status_code == 409 and html.escape(ALREADY_ANSWERED) in again.text
    assert counts(app) == (3, 1, 1)


def test_a_comment_is_scrubbed_shown_back_and_stored_only_when_confirmed(
    app, respondent, wave, recovery_key_file
):
    form = respondent.answer_form(wave[1][0])
    before = table_fingerprints(app)
    confirm = respondent.post_answers(form, **COMPLETE, comment=COMMENT)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Check your comment before it is sent" in page
    preview = page.split('class="preview">')[1].split("</div>")[0]
    assert NAME not in page and "Sarah" not in page and "Okafor" not in page
    assert "[NAME]" in preview and "nights are short-staffed" in preview
    shown = textarea(page, "comment")
    assert shown.startswith("[NAME]") and NAME not in shown
    assert hidden_inputs(page)["answer-ps7"] == "6" and hidden_inputs(page)["unit"] == "icu"

    # Edited with a new name and sent at once: shown back again, still nothing stored.
    edited = shown + " Ask Mr John Smith."
    again = respondent.post_answers(page, "send", comment=edited)
    assert "We replaced more identifying details" in again.text and "John Smith" not in again.text
    back = respondent.post_answers(again.text, "edit", comment=textarea(again.text, "comment"))
    assert back.status_code == 200 and checked_radios(back.text)["answer-ps1"] == "6"
    assert table_fingerprints(app) == before, "something was stored before the confirmation"

    final = textarea(again.text, "comment")
    done = respondent.post_answers(again.text, "send", comment=final)
    assert done.status_code == 303 and counts(app) == (3, 1, 1)
    with app.app_context(), database.connection_context():
        row = PulseResponse.get()
        private = keys.unlock_with_recovery_key(recovery_key_file.read_text())
        stored = crypto.open_sealed(bytes(row.comment), private, comment_context(row.id))
    assert stored.decode() == final and final.startswith("[NAME] told us")
    assert "Okafor" not in final and "Smith" not in final


def test_the_token_is_never_in_a_cookie_a_url_or_a_log(app, respondent, wave, caplog):
    caplog.set_level(logging.DEBUG)
    client = respondent.client
    code = wave[1][0]
    exchange = respondent.enter_code(code)
    token = hidden_inputs(exchange.text)
    confirm = respondent.post_answers(exchange.text, **COMPLETE, comment="Rotas come late.")
    done = respondent.post_answers(confirm.text, "send", comment="Rotas come late.")
    assert done.status_code == 303
    serializer = app.session_interface.get_signing_serializer(app)
    for response in (exchange, confirm, done):
        for cookie in set_cookies(response):
            value = cookie.split(";")[0].split("=", 1)[1]
            assert token["token_message"] not in cookie and token["token_signature"] not in cookie
            assert set(serializer.loads(value)) <= {"csrf_token"}, "the session holds more"
    stored = client.get_cookie("session")
    assert stored is None or set(serializer.loads(stored.value)) <= {"csrf_token"}
    assert code not in done.headers["Location"] and wave[0] not in done.headers["Location"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (token["token_message"], token["token_signature"], code):
        assert secret[:24] not in logged


def test_an_expired_form_keeps_the_answers_and_the_token(app, respondent, wave):
    form = respondent.answer_form(wave[1][0])
    data = {**hidden_inputs(form), **COMPLETE, "action": "review", "csrf_token": "expired"}
    expired = respondent.client.post(f"/pulse/{wave[0]}/answers", data=data)
    page = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "This page timed out, so nothing was sent." in page
    assert checked_radios(page)["answer-ps5"] == "6" and selected(page, "role") == "nursing"
    assert hidden_inputs(page) == hidden_inputs(form)
    assert respondent.post_answers(page, **COMPLETE).status_code == 303
    code_page = respondent.client.post(
        f"/pulse/{wave[0]}", data={"code": wave[1][1], "csrf_token": "expired"}
    )
    assert code_page.status_code == 400 and "your code was not used" in code_page.text.lower()
    assert f'value="{wave[1][1]}"' in code_page.text and counts(app) == (3, 1, 1)


def test_codes_are_rate_limited_so_they_cannot_be_guessed_in_bulk(make_app):
    app = make_app(RATELIMIT_FOLLOW_UP="4 per minute")
    wave, codes = open_wave_with_codes(app, count=1)
    respondent = Respondent(app.test_client(), wave)
    guesses = [respondent.enter_code(f"ABCD-EFGH-{n:04d}").status_code for n in range(4)]
    assert guesses == [400] * 4
    assert respondent.enter_code(codes[0]).status_code == 429
    assert counts(app) == (1, 0, 0)  # the limit answered before the code was looked at
    # The receipts' budget is a separate one: following a report up still works.
    follow = respondent.client.get("/follow-up").get_data(as_text=True)
    lookup = {"csrf_token": csrf_token(follow), "receipt": "AAAA-BBBB-CCCC-DDDD"}
    assert respondent.client.post("/follow-up", data=lookup).status_code == 404
