"""peewee models and their named queries, by side. No crypto and no Flask here.

The reporter's side (reports.py: a report and what hangs off it), the staff side
(staff.py: accounts, tokens, review keys, the audit log), what is published (releases.py),
and the common base (base.py). Callers import every model from here; ``ALL_MODELS`` is
what schema.py creates and prepares.
"""

from __future__ import annotations

from reporting.models.base import BaseModel, BytesField, Housekeeping, SchemaVersion
from reporting.models.pulse import (
    PulseCode,
    PulseRelease,
    PulseReleasedCell,
    PulseResponse,
    PulseSpentToken,
    PulseWave,
)
from reporting.models.releases import ActionSummary, Release, ReleasedCell
from reporting.models.reports import LegalHold, Message, Note, Report, ReportRead, StepAside
from reporting.models.staff import (
    ApiToken,
    AuditEntry,
    Membership,
    ReviewGroup,
    StaffKeySession,
    StaffSession,
    User,
)

ALL_MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion,
    ReviewGroup,
    Report,
    User,
    ApiToken,
    Release,
    ReleasedCell,
    Membership,
    StaffKeySession,
    Message,
    Note,
    ReportRead,
    StepAside,
    LegalHold,
    ActionSummary,
    AuditEntry,
    Housekeeping,
    StaffSession,
    PulseWave,
    PulseCode,
    PulseSpentToken,
    PulseResponse,
    PulseRelease,
    PulseReleasedCell,
)

__all__ = [
    "ALL_MODELS",
    "BaseModel",
    "BytesField",
    "ActionSummary",
    "ApiToken",
    "AuditEntry",
    "Housekeeping",
    "LegalHold",
    "Membership",
    "Message",
    "Note",
    "PulseCode",
    "PulseRelease",
    "PulseReleasedCell",
    "PulseResponse",
    "PulseSpentToken",
    "PulseWave",
    "Release",
    "ReleasedCell",
    "Report",
    "ReportRead",
    "ReviewGroup",
    "SchemaVersion",
    "StaffKeySession",
    "StaffSession",
    "StepAside",
    "User",
]
