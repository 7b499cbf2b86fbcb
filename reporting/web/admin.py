"""The administrator's pages: reading the audit log (nothing here changes it)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from reporting import audit
from reporting.web.auth import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
MAX_FILTER_CHARS = 120


def _filter(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:MAX_FILTER_CHARS] or None


@bp.get("/audit")
@role_required("admin")
def audit_log():
    page = request.args.get("page", 1, type=int) or 1
    page = max(page, 1)
    actor, action = _filter("actor"), _filter("action")
    total = audit.count(actor=actor, action=action)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    entries = audit.recent(
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, actor=actor, action=action
    )
    return render_template(
        "admin/audit.html",
        entries=entries,
        page=page,
        pages=pages,
        total=total,
        actor=actor or "",
        action=action or "",
    )
