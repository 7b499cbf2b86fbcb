"""Response headers that keep pages from leaking, caching or being framed, and CSRF.

Every page is ``no-store``: a reporter on a shared ward computer must leave nothing in the
browser's cache or history that the next person can reopen.
"""

from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script or style and no third-party source: an injected payload cannot run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), interest-cohort=()"


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        if request.is_secure:
            # Only over TLS: a browser ignores HSTS on plain HTTP, and a test server on
            # loopback must stay reachable without a certificate.
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint != "static" or response.status_code >= 400:
            # Static files (CSS, the chart library) may be cached; an error page never is,
            # whatever URL it answers.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
