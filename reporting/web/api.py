"""The JSON API under /api/v1: filing, follow-up, taxonomy and its own description."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from reporting import reports, submissions
from reporting.releases import pulse_results, trends
from reporting.review import conversation
from reporting.web.auth import api_role_required
from reporting.web.errors import api_error
from reporting.web.openapi import openapi_document
from reporting.web.openapi.pulse import WAVE_PATTERN
from reporting.web.ratelimit import filing_limit, limiter, receipt_limit
from reporting.web.security import csrf
from reporting.web.services import current_period, file_live_report, released_cells, services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # JSON clients send no cookies; nothing here acts on a browser session

ALLOWED_REPORT_FIELDS = set(submissions.SUBMISSION_FIELDS) | {"keep"}


def _json_object():
    """The request's JSON object, or an error answer (415 for another media type, 400)."""
    if not request.is_json:
        return None, api_error(415, "Send the body as JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if data is None:
        return None, api_error(400, "The body is not valid JSON in UTF-8.")
    if not isinstance(data, dict):
        return None, api_error(400, "The body must be a JSON object.")
    return data, None


@bp.post("/reports")
@limiter.limit(filing_limit)
def file_report():
    data, error = _json_object()
    if error:
        return error
    unknown = {
        name: (
            "set by the server; only imports carry a period"
            if name == "period"
            else "unknown field"
        )
        for name in data
        if name not in ALLOWED_REPORT_FIELDS
    }
    found = services()
    try:
        submission = submissions.parse_submission(
            data, found.require_taxonomy(), max_narrative=_max_narrative()
        )
    except submissions.InvalidSubmission as exc:
        return api_error(400, "Some fields are invalid.", {**exc.fields, **unknown})
    if unknown:
        return api_error(400, "Some fields are invalid.", unknown)
    filed = file_live_report(submission)
    return jsonify(receipt=filed.receipt, period=filed.period), 201


@bp.post("/deidentify")
@limiter.limit(filing_limit)
def deidentify():
    """What a narrative would be stored as, so a client can show it before filing."""
    data, error = _json_object()
    if error:
        return error
    text = data.get("narrative")
    if not isinstance(text, str):
        return api_error(400, "Some fields are invalid.", {"narrative": "must be a string"})
    cleaned = submissions.clean_narrative(text, max_narrative=_max_narrative())
    if cleaned is None:
        return api_error(
            400,
            "Some fields are invalid.",
            {"narrative": f"must be at most {_max_narrative():,} characters"},
        )
    keep = data.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        return api_error(400, "Some fields are invalid.", {"keep": "must be a list of strings"})
    result = services().scrubber.scrub(cleaned, keep=keep)
    return jsonify(
        narrative=result.text,
        replacements=[{"kind": r.kind, "original": r.original} for r in result.replacements],
    )


@bp.post("/follow-up")
@receipt_limit
def follow_up():
    data, error = _json_object()
    if error:
        return error
    receipt = data.get("receipt")
    if not isinstance(receipt, str):
        return api_error(400, "Some fields are invalid.", {"receipt": "must be a string"})
    try:
        thread = conversation.thread_by_receipt(receipt, pepper=services().pepper)
    except reports.ReceiptNotFound:
        return _receipt_not_found()
    return jsonify(
        period=thread.period,
        kind=thread.kind,
        category=thread.category,
        status=thread.status,
        messages=[message.as_json() for message in thread.messages],
    )


def _receipt_not_found():
    return api_error(404, "No report answers to this receipt.", code="receipt_not_found")


FOLLOW_UP_MESSAGE_FIELDS = {"receipt", "message", "keep"}


@bp.post("/follow-up/messages")
@receipt_limit
def follow_up_message():
    """The reporter's answer: de-identified here (preview it with /deidentify), then sealed."""
    data, error = _json_object()
    if error:
        return error
    fields = {name: "unknown field" for name in data if name not in FOLLOW_UP_MESSAGE_FIELDS}
    receipt, message, keep = data.get("receipt"), data.get("message"), data.get("keep", [])
    if not isinstance(receipt, str):
        fields["receipt"] = "must be a string"
    if not isinstance(message, str):
        fields["message"] = "must be a string"
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        fields["keep"] = "must be a list of strings"
    elif len(keep) > 50:
        fields["keep"] = "must hold at most 50 entries"
    if fields:
        return api_error(400, "Some fields are invalid.", fields)
    found = services()
    try:
        sent = conversation.post_reporter_message(
            receipt,
            message,
            pepper=found.pepper,
            period=current_period(),
            scrubber=found.scrubber,
            max_chars=_max_narrative(),
            keep=keep,
        )
    except reports.ReceiptNotFound:
        return _receipt_not_found()
    except conversation.ReportClosed as exc:
        return api_error(409, str(exc), code="report_closed")
    except conversation.InvalidMessage as exc:
        return api_error(400, "Some fields are invalid.", {"message": str(exc)})
    return jsonify(sent.as_json()), 201


@bp.get("/trends")
@api_role_required("leadership")
def trends_query():
    """Leadership trends: a lookup in the released tables, never a query of reports."""
    taxonomy = services().require_taxonomy()
    try:
        query = trends.parse_query(request.args.to_dict(flat=False), taxonomy)
    except trends.InvalidQuery as exc:
        return api_error(400, "This query is outside what can be published.", exc.fields)
    body = released_cells().answer_json(query, taxonomy)
    return Response(body, mimetype="application/json")


@bp.get("/pulse")
@api_role_required("leadership")
def pulse():
    """Released pulse waves: lookups in their frozen cells, never a count of responses."""
    wave = request.args.get("wave")
    if wave is not None and re.fullmatch(WAVE_PATTERN[1:-1], wave) is None:
        return api_error(400, "This is not a wave id.", {"wave": "32 hexadecimal characters"})
    try:
        return jsonify({"waves": pulse_results.released_waves(wave)})
    except pulse_results.UnknownWave:
        return api_error(404, "No released wave has this id.")


@bp.get("/taxonomy")
def taxonomy():
    return jsonify(services().require_taxonomy().as_public_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(services().require_taxonomy(), _max_narrative()))


def _max_narrative() -> int:

    return int(current_app.config["MAX_NARRATIVE_CHARS"])
