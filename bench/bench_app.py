"""The app as served, plus a bare endpoint to compare filing against (bench/submit.py).

``POST /bench/bare`` parses the same JSON body with ``request.get_json()`` and answers 201:
it pays for everything the real ``POST /api/v1/reports`` pays for except the filing pipeline
itself (routing, the app's before/after-request hooks, security headers, JSON parsing), so
the ratio of the two isolates the cost of validating, scrubbing, sealing and storing.
"""

from __future__ import annotations

from flask import request

from reporting.web import create_app
from reporting.web.security import csrf

app = create_app()


@app.post("/bench/bare")
@csrf.exempt
def bench_bare():
    request.get_json()
    return "", 201
