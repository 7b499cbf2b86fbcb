"""The pulse survey's pages for respondents: a one-time code in, one response out.

- ``GET /pulse/<wave>``: what the survey is, what its anonymity means, and the code form.
- ``POST /pulse/<wave>``: the code is exchanged for a token, the respondent's side done in
  the server's memory as a browser without JavaScript needs (`responses.assisted_token`);
  the answer form comes back with the token in its hidden fields.
- ``POST /pulse/<wave>/answers``: the answers are checked; a comment is scrubbed and shown
  back to be confirmed or edited before anything is stored; then one response is stored
  and the browser is sent on to ``GET /pulse/thank-you`` (POST-redirect-GET), a URL that
  names nothing.

Nothing is kept between the steps: the token lives only in the pages' forms, never in the
session or a cookie, and nothing about the request (address, browser, time) is recorded.
A blueprint of its own so that an expired CSRF token re-shows the page with everything the
respondent entered, token included: losing it would lose their code.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from reporting.models import PulseWave
from reporting.privacy import drafts
from reporting.privacy.deid import ScrubResult
from reporting.pulse import instruments, responses, waves
from reporting.pulse.responses import MAX_COMMENT, PREFER_NOT, AlreadyAnswered, WaveError
from reporting.taxonomy import ROLES
from reporting.web.pulse_forms import (
    Entered,
    PulseAnswerForm,
    PulseCodeForm,
    answer_name,
    entered,
    optional_name,
)
from reporting.web.ratelimit import follow_up_limit, limiter
from reporting.web.services import services

bp = Blueprint("pulse", __name__, url_prefix="/pulse")

# Codes are guessed as receipts would be: the same budget per (hashed) address, counted on
# its own so that a ward handing out codes does not use up its colleagues' follow-ups.
code_limit = limiter.shared_limit(follow_up_limit, scope="pulse-code")
TIMED_OUT = "This page timed out, so nothing was sent."
INCOMPLETE = "This answer form is incomplete. Start again with your code."
AGAIN = (
    "We replaced more identifying details in your changes. Check the comment below, then send it."
)


def _today():
    found = services()
    return found.clock().astimezone(ZoneInfo(found.timezone)).date()


def _sentence(text: object) -> str:
    """A domain message as a sentence: capital first letter, closing full stop."""
    words = str(text).strip()
    words = words[:1].upper() + words[1:]
    return words if words.endswith((".", "!", "?")) else words + "."


def _instrument(wave: PulseWave) -> instruments.Instrument:
    return instruments.load(wave.instrument, wave.instrument_version)


def _message(heading: str, message: object, status: int = 200):
    page = render_template("public/pulse_message.html", heading=heading, message=_sentence(message))
    return page, status


def _not_found():
    return _message("Survey not found", "There is no survey at this address.", 404)


@bp.get("/thank-you")
def thanks():
    return render_template("public/pulse_thanks.html")


@bp.get("/<wave_id>")
def survey(wave_id: str):
    try:
        wave = waves.get_wave(wave_id)
    except WaveError:
        return _not_found()
    return _code_page(wave)


def _code_page(wave: PulseWave, *, code: str = "", error: str | None = None, status: int = 200):
    try:
        waves.answering(wave.id, _today())
        closed = None
    except WaveError as exc:
        closed, status = _sentence(exc), 200
    return render_template(
        "public/pulse_code.html",
        wave=wave,
        instrument=_instrument(wave),
        form=PulseCodeForm(formdata=None),
        code=code,
        error=error,
        closed=closed,
    ), status


@bp.post("/<wave_id>")
@code_limit
def exchange(wave_id: str):
    form = PulseCodeForm()
    form.validate()  # CSRF is checked before the view; the code is the domain's to judge
    code = (form.code.data or "").strip()[:40]
    try:
        wave = waves.get_wave(wave_id)
    except WaveError:
        return _not_found()
    try:
        token = responses.assisted_token(wave.id, code, pepper=services().pepper, today=_today())
    except WaveError as exc:
        return _code_page(wave, code=code, error=_sentence(exc), status=400)
    sent = Entered(token_message=token.message.hex(), token_signature=token.signature.hex())
    return _answer_page(wave, _instrument(wave), sent)


@bp.post("/<wave_id>/answers")
@limiter.limit(lambda: current_app.config["RATELIMIT_FORM"])
def answer(wave_id: str):
    """Check the answers; a comment is shown back scrubbed and stored only once confirmed."""
    form = PulseAnswerForm()
    form.validate()
    try:
        wave = waves.get_wave(wave_id)
    except WaveError:
        return _not_found()
    try:
        waves.answering(wave.id, _today())
    except WaveError as exc:
        return _message("This survey cannot be answered now", exc)
    instrument = _instrument(wave)
    sent = entered(request.form, instrument)
    token = sent.token()
    if token is None:
        return _message("Start again", INCOMPLETE, 400)
    action = form.action.data or "review"
    if action == "edit":
        return _answer_page(wave, instrument, sent)
    sent.comment = sent.comment.strip()
    if sent.comment:
        result = services().scrubber.scrub(sent.comment)
        if action != "send" or result.replacements:
            return _review_comment(wave, instrument, sent, result, again=action == "send")
        sent.comment = result.text
    return _submit(wave, instrument, sent, token)


def _submit(wave: PulseWave, instrument: instruments.Instrument, sent: Entered, token):
    try:
        responses.submit(
            wave.id,
            token,
            unit=sent.unit,
            role=sent.role,
            answers=sent.scale_answers(),
            optional=sent.optional,
            units=_unit_slugs(),
            roles=ROLES,
            today=_today(),
            comment=sent.comment,
        )
    except AlreadyAnswered as exc:
        return _message("Already answered", exc, 409)
    except WaveError as exc:
        return _answer_page(wave, instrument, sent, error=_sentence(exc), status=400)
    return redirect(url_for("pulse.thanks"), 303)


def _problem(instrument: instruments.Instrument, sent: Entered) -> str | None:
    """Why the answers would be refused, checked before a comment is shown back."""
    try:
        responses.check_answers(instrument, sent.scale_answers(), sent.optional)
    except WaveError as exc:
        return _sentence(exc)
    if sent.unit != PREFER_NOT and sent.unit not in _unit_slugs():
        return "Choose your unit from the list, or “Prefer not to say”."
    if sent.role not in ROLES:
        return "Choose your staff group from the list."
    if len(sent.comment) > MAX_COMMENT:
        return f"Your comment is {len(sent.comment)} characters long; at most {MAX_COMMENT}."
    return None


def _review_comment(wave, instrument, sent: Entered, result: ScrubResult, *, again: bool):
    """The comment as it would be stored, to send, edit and check again, or go back.

    Answers that would be refused are shown first, with the comment as it was typed."""
    problem = _problem(instrument, sent)
    if problem:
        return _answer_page(wave, instrument, sent, error=problem, status=400)
    notice = AGAIN if again else None
    return render_template(
        "public/pulse_confirm.html",
        wave=wave,
        instrument=instrument,
        form=PulseAnswerForm(formdata=None),
        hidden=sent.hidden(instrument),
        comment=result.text,
        segments=drafts.marked(result.text, drafts.track(drafts.Draft(), result)),
        notice=notice,
        max_comment=MAX_COMMENT,
    )


def _departments() -> list[tuple[str, list]]:
    taxonomy = services().require_taxonomy()
    return [(d.name, taxonomy.units_of(d.slug)) for d in taxonomy.active_departments()]


def _unit_slugs() -> set[str]:
    return {unit.slug for _name, units in _departments() for unit in units}


def _answer_page(
    wave: PulseWave,
    instrument: instruments.Instrument,
    sent: Entered,
    *,
    error: str | None = None,
    status: int = 200,
    mark_missing: bool = True,
):
    answered = sent.scale_answers()
    scale = range(instrument.scale_min, instrument.scale_max + 1)
    missing = set()
    if error and mark_missing:
        missing = {i.id for i in instrument.items if answered.get(i.id) not in scale}
    return render_template(
        "public/pulse_answer.html",
        wave=wave,
        instrument=instrument,
        form=PulseAnswerForm(formdata=None),
        sent=sent,
        scale=list(zip(scale, instrument.labels, strict=True)),
        departments=_departments(),
        roles=ROLES,
        prefer_not=PREFER_NOT,
        max_comment=MAX_COMMENT,
        error=error,
        missing=missing,
        answer_name=answer_name,
        optional_name=optional_name,
    ), status


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError):
    """An expired form must cost nothing: the code unused, the answers and token shown again."""
    wave = PulseWave.get_or_none(PulseWave.id == (request.view_args or {}).get("wave_id"))
    if request.method == "POST" and wave is not None:
        if request.endpoint == "pulse.exchange":
            code = request.form.get("code", "").strip()[:40]
            message = f"{TIMED_OUT} Your code was not used: send it again."
            return _code_page(wave, code=code, error=message, status=400)
        if request.endpoint == "pulse.answer":
            sent = entered(request.form, _instrument(wave))
            if sent.token() is not None:
                message = f"{TIMED_OUT} Your answers are below: check them and send them again."
                return _answer_page(
                    wave, _instrument(wave), sent, error=message, status=400, mark_missing=False
                )
    message = f"{TIMED_OUT} Go back to the survey's page and try again."
    return _message("This page timed out", message, 400)
