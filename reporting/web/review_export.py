"""Reviewers' hand-off of one near-miss to the hospital's incident system, as a download.

Routes on the review blueprint (so the same role check, locked-keys page and "not found"
for a report outside the reviewer's groups apply), imported by `create_app` before the
blueprint is registered. Each download is audited with its format, is an attachment and is
never cached. A moral-distress report is refused in words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, render_template
from flask_login import current_user

from reporting.review import incident_fhir, incident_import, triage
from reporting.review.incident_export import NearMiss, NotANearMiss, load_near_miss
from reporting.web.auditing import audit
from reporting.web.auth import current_group_keys, role_required
from reporting.web.review import KeysLocked, bp
from reporting.web.services import services


@bp.get("/<report_id>/export/fhir")
@role_required("reviewer")
def export_fhir(report_id: str):
    return _export(
        report_id, "fhir-r4", incident_fhir.fhir_bundle, incident_fhir.MEDIA_TYPE, "fhir.json"
    )


@bp.get("/<report_id>/export/incident")
@role_required("reviewer")
def export_incident(report_id: str):
    return _export(
        report_id,
        "incident-import",
        incident_import.incident_record,
        incident_import.MEDIA_TYPE,
        "incident.json",
    )


def _export(
    report_id: str,
    shape: str,
    build: Callable[[NearMiss], dict[str, Any]],
    media_type: str,
    suffix: str,
):
    held = current_group_keys()
    if held is None:
        raise KeysLocked()
    reviewer = triage.Reviewer(current_user.id, current_user.username, frozenset(held.groups()))
    try:
        event = load_near_miss(report_id, reviewer, held, services().require_taxonomy())
    except NotANearMiss as exc:
        page = render_template("review/export_refused.html", message=str(exc), report_id=report_id)
        return page, 400
    body = json.dumps(build(event), ensure_ascii=False, indent=2) + "\n"
    audit("report.export", event.report_id, {"format": shape})
    name = f"near-miss-{event.period}-{event.report_id[:8]}.{suffix}"
    return Response(
        body.encode("utf-8"),
        mimetype=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            # It holds a narrative: nothing may keep a copy but the reviewer's own download.
            "Cache-Control": "no-store",
        },
    )
