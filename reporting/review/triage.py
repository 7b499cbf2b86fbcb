"""Reviewers' triage of one report: statuses and referrals, assignees, stepping aside, notes.

The inbox that lists them is `inbox`; both see exactly the reports `visible_to` allows. Notes
are sealed like narratives. A report outside the reviewer's reach is simply not found, so an id
reveals nothing. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reporting import reports
from reporting.db import database
from reporting.models import Membership, Report, ReportRead, StepAside, User
from reporting.privacy.keys import GroupKeys
from reporting.review import notes
from reporting.review.conversation import MessageView, thread_for_reviewer
from reporting.review.notes import InvalidNote, NoteView, list_notes
from reporting.review.notes import (
    note_context as note_context,  # rotation.py re-wraps notes through here
)

STATUSES = {
    "received": "Received",
    "acknowledged": "Acknowledged",
    "in-review": "In review",
    "referred": "Referred",
    "action-taken": "Action taken",
    "no-further-action": "No further action",
    "closed": "Closed",
}
REFERRALS = {
    "incident-process": "Incident process",
    "ethics-consultation": "Ethics consultation",
    "hr-speak-up": "HR or speak-up guardian",
    "safeguarding": "Safeguarding",
}
_AFTER_ACKNOWLEDGED = {"in-review", "referred", "action-taken", "no-further-action", "closed"}
TRANSITIONS = {
    "received": {"acknowledged", "in-review", "referred", "no-further-action"},
    "acknowledged": _AFTER_ACKNOWLEDGED,
    "in-review": _AFTER_ACKNOWLEDGED - {"in-review"},
    "referred": _AFTER_ACKNOWLEDGED - {"referred"},
    "action-taken": {"in-review", "referred", "closed"},
    "no-further-action": {"in-review", "referred", "closed"},
    "closed": {"in-review"},  # reopening clears the closing date retention counts from
}
FEEDBACK_STATUSES = {"action-taken", "no-further-action"}


class TriageError(Exception):
    """A triage action cannot be done; the message says why."""


class ReportNotFound(TriageError):
    """No such report within this reviewer's reach (missing and forbidden look alike)."""


class NotAllowed(TriageError):
    """The workflow does not allow this change; the message says why."""


@dataclass(frozen=True)
class Reviewer:
    id: str
    username: str
    groups: frozenset[str]


def visible_to(reviewer: Reviewer):
    """The reports a reviewer may open: their groups', released, not purged, not left."""
    stepped = StepAside.select(StepAside.report).where(StepAside.user == reviewer.id)
    return (
        (Report.review_group.in_(sorted(reviewer.groups)))
        & (Report.in_inbox == True)  # noqa: E712
        & (Report.purged == False)  # noqa: E712
        & (Report.id.not_in(stepped))
    )


def usernames(user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    return {
        u.id: u.username for u in User.select(User.id, User.username).where(User.id.in_(user_ids))
    }


# One report ---------------------------------------------------------------------------------


def report_for(report_id: str, reviewer: Reviewer) -> Report:
    """The report, if the reviewer may see it: their group, released, not purged, not left."""
    if not isinstance(report_id, str) or len(report_id) != 32:
        raise ReportNotFound()
    report = Report.select().where(visible_to(reviewer) & (Report.id == report_id)).get_or_none()
    if report is None:
        raise ReportNotFound()
    return report


@dataclass(frozen=True)
class ReportPage:
    report: Report
    narrative: str | None
    assignee: str | None
    assignable: list[tuple[str, str]]
    notes: list[NoteView]
    messages: list[MessageView]
    next_statuses: list[str]


def open_report(report_id: str, reviewer: Reviewer, group_keys: GroupKeys) -> ReportPage:
    """Everything the report page shows, decrypted; marks the report read for this reviewer."""
    report = report_for(report_id, reviewer)
    private = group_keys.for_item(report.review_group_id, report.sealed_gen)
    narrative = reports.open_narrative(report, private) if report.narrative is not None else None
    ReportRead.insert(user=reviewer.id, report=report.id).on_conflict_ignore().execute()
    return ReportPage(
        report=report,
        narrative=narrative,
        assignee=usernames({report.assignee} if report.assignee else set()).get(report.assignee),
        assignable=assignable(report),
        notes=list_notes(report, group_keys),
        messages=thread_for_reviewer(report, group_keys),
        next_statuses=sorted(TRANSITIONS[report.status], key=list(STATUSES).index),
    )


def change_status(
    report_id: str, reviewer: Reviewer, status: str, *, referral: str = "", today: date
) -> Report:
    report = report_for(report_id, reviewer)
    if status not in STATUSES:
        raise NotAllowed(f"unknown status {status!r}")
    if status not in TRANSITIONS[report.status]:
        raise NotAllowed(f"a {STATUSES[report.status].lower()} report cannot become {status!r}")
    changes: dict = {"status": status}
    if status == "referred":
        if referral not in REFERRALS:
            raise NotAllowed(
                "Choose where the report is referred to: " + ", ".join(REFERRALS.values()) + "."
            )
        changes["referral"] = referral
    if status in FEEDBACK_STATUSES:
        changes["feedback_given"] = True
    changes["closed_on"] = today if status == "closed" else None
    updated = (
        Report.update(**changes)
        .where(Report.id == report.id, Report.status == report.status)
        .execute()
    )
    if not updated:
        raise NotAllowed("someone changed this report meanwhile; look at it again")
    return Report.get_by_id(report.id)


def assignable(report: Report) -> list[tuple[str, str]]:
    """(id, username) of active reviewers holding the report's group key, not stepped aside."""
    stepped = StepAside.select(StepAside.user).where(StepAside.report == report.id)
    members = Membership.select(Membership.user).where(Membership.group == report.review_group_id)
    query = (
        User.select(User.id, User.username, User.roles)
        .where(User.active == True, User.id.in_(members), User.id.not_in(stepped))  # noqa: E712
        .order_by(User.username)
    )
    return [(u.id, u.username) for u in query if "reviewer" in u.role_set]


def assign(report_id: str, reviewer: Reviewer, assignee_id: str) -> str | None:
    """Assign to a reviewer of the report's group, or unassign with ""; returns the username."""
    report = report_for(report_id, reviewer)
    if not assignee_id:
        Report.update(assignee=None).where(Report.id == report.id).execute()
        return None
    candidates = dict(assignable(report))
    if assignee_id not in candidates:
        raise NotAllowed("only a reviewer of this report's group who has not stepped aside")
    Report.update(assignee=assignee_id).where(Report.id == report.id).execute()
    return candidates[assignee_id]


def step_aside(report_id: str, reviewer: Reviewer) -> None:
    """Leave a report (a conflict of interest): out of the inbox, unassigned if it was theirs."""
    report = report_for(report_id, reviewer)
    with database.atomic():
        StepAside.insert(user=reviewer.id, report=report.id).on_conflict_ignore().execute()
        Report.update(assignee=None).where(
            Report.id == report.id, Report.assignee == reviewer.id
        ).execute()


def add_note(report_id: str, reviewer: Reviewer, text: str, *, period: str) -> NoteView:
    report = report_for(report_id, reviewer)
    try:
        return notes.add_note(report, reviewer.username, text, period=period)
    except InvalidNote as exc:
        raise NotAllowed(str(exc)) from exc
