"""Reading what was stored, the way only a holder of the recovery key can."""

from __future__ import annotations

import secrets
from pathlib import Path

from reporting import reports
from reporting.db import database
from reporting.models import Report
from reporting.privacy.keys import unlock_with_recovery_key


def stored_reports() -> list[Report]:
    with database.connection_context():
        return list(Report.select())


def report_count() -> int:
    with database.connection_context():
        return Report.select().count()


def narratives_opened_with(recovery_key_file: Path) -> dict[str, str]:
    with database.connection_context():
        private = unlock_with_recovery_key(recovery_key_file.read_text())
        return {r.id: reports.open_narrative(r, private) for r in Report.select()}


def add_reports(month: str, unit: str, kind: str, category: str, n: int, **fields) -> None:
    """Store n coded reports directly (no narrative), for release and trends fixtures."""
    rows = [
        {
            "id": secrets.token_hex(16),
            "period": month,
            "kind": kind,
            "category": category,
            "unit": unit,
            "role": fields.get("role", "nursing"),
            "severity": fields.get("severity", "unknown"),
            "status": "received",
            "review_group": "default",
            "receipt_digest": secrets.token_hex(32),
        }
        for _ in range(n)
    ]
    with database.connection_context():
        Report.insert_many(rows).execute()
