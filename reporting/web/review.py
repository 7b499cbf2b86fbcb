"""The reviewers' workspace: the batched inbox, the report page and its actions.

Every route needs the reviewer role, and the reviewer's group keys unlocked by their login
(auth.current_group_keys); without them the page says so. A report outside the reviewer's
groups answers 404, like one that does not exist. Every view of a report and every action
on one goes to the audit log. Views parse, call one domain verb, then redirect or render.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reporting.privacy import drafts
from reporting.privacy.deid import ScrubResult
from reporting.privacy.keys import GroupKeys, NoAccess
from reporting.review import conversation, housekeeping, inbox_filters, labels, triage
from reporting.review import inbox as reviewer_inbox
from reporting.taxonomy import KINDS, ROLES, SEVERITIES
from reporting.web.auditing import audit
from reporting.web.auth import current_group_keys, role_required
from reporting.web.review_forms import AssignForm, NoteForm, ReplyForm, StatusForm, StepAsideForm
from reporting.web.services import current_period, services

bp = Blueprint("review", __name__, url_prefix="/review")


class KeysLocked(Exception):
    """The reviewer's group keys are not unlocked in this session."""


def _reviewer() -> tuple[triage.Reviewer, GroupKeys]:
    held = current_group_keys()
    if held is None:
        raise KeysLocked()
    housekeeping.run_for_app(current_app, services().clock(), record=audit)
    reviewer = triage.Reviewer(current_user.id, current_user.username, frozenset(held.groups()))
    return reviewer, held


@bp.errorhandler(KeysLocked)
def _locked(_error):
    return render_template("review/locked.html"), 403


@bp.errorhandler(triage.ReportNotFound)
def _not_found(_error):
    """The same page as any unknown address: whether the id exists is not revealed."""
    message = "The requested URL was not found on the server."
    return render_template("errors/error.html", status=404, message=message), 404


@bp.get("")
@role_required("reviewer")
def inbox():
    """Filters, a search, a status tab and an order, all plain GET arguments; any argument
    not understood is named in a sentence (a 400) and the others still apply."""
    reviewer, _held = _reviewer()
    taxonomy = services().require_taxonomy()
    errors = {}
    try:
        filters = inbox_filters.parse_filters(request.args, taxonomy)
    except inbox_filters.InvalidFilter as exc:
        errors, filters = exc.fields, exc.usable
    page = reviewer_inbox.inbox(
        reviewer,
        filters,
        current_period=current_period(),
        deadlines=reviewer_inbox.Deadlines.from_config(current_app.config),
        page=request.args.get("page", 1, type=int) or 1,
        taxonomy=taxonomy,
    )
    return render_template(
        "review/inbox.html",
        page=page,
        filters=filters,
        errors=errors,
        tabs=inbox_filters.STATUS_TABS,
        sorts=inbox_filters.SORTS,
        **_vocabulary(),
    ), (400 if errors else 200)


@bp.get("/<report_id>")
@role_required("reviewer")
def report(report_id: str):
    reviewer, held = _reviewer()
    return _report_page(reviewer, held, report_id)


def _report_page(reviewer, held, report_id: str, *, error: str = "", status: int = 200, **forms):
    try:
        found = triage.open_report(report_id, reviewer, held)
    except NoAccess as exc:  # a key generation this reviewer was never granted
        raise triage.ReportNotFound() from exc
    audit("report.view", found.report.id)
    status_form = forms.get("status_form") or StatusForm()
    status_form.status.choices = [(s, triage.STATUSES[s]) for s in found.next_statuses]
    status_form.referral.choices = [("", "Not referred")] + list(triage.REFERRALS.items())
    assign_form = forms.get("assign_form") or AssignForm(assignee=found.report.assignee or "")
    assign_form.assignee.choices = [("", "Nobody")] + found.assignable
    return render_template(
        "review/report.html",
        page=found,
        report=found.report,
        error=error,
        status_form=status_form,
        assign_form=assign_form,
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        reply_form=forms.get("reply_form") or ReplyForm(formdata=None),
        step_aside_form=StepAsideForm(),
        **_vocabulary(),
    ), status


def _vocabulary() -> dict:
    return {
        "taxonomy": services().require_taxonomy(),
        "kinds": KINDS,
        "roles": ROLES,
        "severities": SEVERITIES,
        "statuses": triage.STATUSES,
        "referrals": triage.REFERRALS,
        "distress_types": labels.DISTRESS_TYPES,
        "stopped_by": labels.STOPPED_BY,
        "potential_harm": labels.POTENTIAL_HARM,
    }


def _done(report_id: str, message: str):
    flash(message)
    return redirect(url_for("review.report", report_id=report_id))


@bp.post("/<report_id>/status")
@role_required("reviewer")
def change_status(report_id: str):
    reviewer, held = _reviewer()
    form = StatusForm()
    status, referral = form.status.data or "", form.referral.data or ""
    try:
        triage.change_status(report_id, reviewer, status, referral=referral, today=_today())
    except triage.NotAllowed as exc:
        return _report_page(reviewer, held, report_id, error=str(exc), status=400)
    audit("report.status", report_id, {"status": status, "referral": referral or None})
    return _done(report_id, f"Status changed to {triage.STATUSES[status].lower()}.")


@bp.post("/<report_id>/assign")
@role_required("reviewer")
def assign(report_id: str):
    reviewer, held = _reviewer()
    form = AssignForm()
    try:
        name = triage.assign(report_id, reviewer, form.assignee.data or "")
    except triage.NotAllowed as exc:
        return _report_page(reviewer, held, report_id, error=str(exc), status=400)
    audit("report.assign", report_id, {"assignee": name})
    return _done(report_id, f"Assigned to {name}." if name else "Nobody is assigned now.")


@bp.post("/<report_id>/notes")
@role_required("reviewer")
def add_note(report_id: str):
    reviewer, held = _reviewer()
    form = NoteForm()
    try:
        triage.add_note(report_id, reviewer, form.text.data or "", period=current_period())
    except triage.NotAllowed as exc:
        return _report_page(reviewer, held, report_id, error=str(exc), status=400, note_form=form)
    audit("report.note", report_id)
    return _done(report_id, "Note added.")


@bp.post("/<report_id>/reply")
@role_required("reviewer")
def reply(report_id: str):
    """A reply in two steps, without JavaScript: first the scrubbed text with each replacement
    marked, then "Send as shown" (scrubbed again when stored) or "Edit"."""
    reviewer, held = _reviewer()
    form = ReplyForm()
    found = triage.report_for(report_id, reviewer)
    action = form.action.data or "preview"
    if action == "edit":
        return _report_page(reviewer, held, report_id, reply_form=form)
    scrubber, max_chars = services().scrubber, int(current_app.config["MAX_NARRATIVE_CHARS"])
    try:
        conversation.check_replies_open(found)
        preview = conversation.scrub_reply(
            form.text.data or "", scrubber=scrubber, max_chars=max_chars
        )
        if action != "send":
            return _reply_preview(found, form, preview)
        conversation.post_reply(
            found,
            form.text.data or "",
            period=current_period(),
            scrubber=scrubber,
            max_chars=max_chars,
        )
    except conversation.ConversationError as exc:
        return _report_page(reviewer, held, report_id, error=str(exc), status=400, reply_form=form)
    audit("report.reply", report_id)
    if preview.replacements:  # only when the preview was skipped: what it showed had none
        return _done(report_id, "Reply sent, with identifying details replaced as shown below.")
    return _done(report_id, "Reply sent. The reporter sees it when they next check.")


def _reply_preview(report, form: ReplyForm, preview: ScrubResult):
    draft = drafts.track(drafts.Draft(), preview)
    form.text.data = preview.text
    return render_template(
        "review/reply_preview.html",
        report=report,
        form=form,
        segments=drafts.marked(preview.text, draft),
        replaced=draft.replaced,
    )


@bp.post("/<report_id>/step-aside")
@role_required("reviewer")
def step_aside(report_id: str):
    reviewer, _held = _reviewer()
    StepAsideForm().validate()
    triage.step_aside(report_id, reviewer)
    audit("report.step-aside", report_id)
    flash("You stepped aside from that report; it has left your inbox.")
    return redirect(url_for("review.inbox"))


def _today():
    found = services()
    return found.clock().astimezone(ZoneInfo(found.timezone)).date()
