"""Error answers: the brief's JSON body under /api, a plain page everywhere else."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from reporting.privacy.pinning import UnverifiedGroupKey

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
}

MESSAGES = {
    413: "The request body is too large.",
    429: "Too many requests from this network; wait a minute and try again.",
    500: "Something went wrong on our side. Nothing was stored.",
}

# A review key failed its signature check: nothing was sealed to it, nor stored.
CANNOT_FILE = "This cannot be sent right now, and nothing was stored. Please try again later."


def api_error(status: int, message: str, fields: dict[str, str] | None = None, code=None):
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }
    return jsonify(body), status


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        if wants_json():
            return api_error(400, "CSRF token missing or invalid.", code="csrf_failed")
        return _page(400, "This form has expired. Go back, and send it again.")

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page and no link.
        return "Unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        message = MESSAGES.get(status) or error.description or error.name
        if wants_json():
            response, status = api_error(status, message)
            if status == 429:
                for name in ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Reset"):
                    if name in error.get_response().headers:
                        response.headers[name] = error.get_response().headers[name]
            return response, status
        return _page(status, message)

    @app.errorhandler(UnverifiedGroupKey)
    def _unverified_key(error: UnverifiedGroupKey):
        # The operator's alert (and `reporting check` FAILs): a review key may have been
        # replaced in the database. Only the group is named, never anything of the sender.
        app.logger.critical("refused to seal to a review key: %s", error)
        if wants_json():
            return api_error(503, CANNOT_FILE, code="service_unavailable")
        return _page(503, CANNOT_FILE)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _http(InternalServerError())


def _page(status: int, message: str):
    return render_template("errors/error.html", status=status, message=message), status
