"""'You said, we did' on the web: a public page for all staff, and reviewers' publishing page.

Two blueprints that meet only in actions.py: the public one (no login, nothing about any
report) and the reviewers' one under /review/actions, behind the reviewer role, unlocked
review keys (like the rest of /review) and CSRF. Publishing takes two plain form posts: the
first shows the scrubbed summary with each replacement marked, then "Publish as shown" or
"Edit". Editing a published summary goes through the same preview ("Save as shown");
withdrawing one asks first on a page of its own. All of it works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from reporting.models import ActionSummary
from reporting.privacy import drafts
from reporting.privacy.deid import ScrubResult
from reporting.review import actions
from reporting.taxonomy import KINDS
from reporting.web.auditing import audit
from reporting.web.auth import current_group_keys, role_required
from reporting.web.services import current_period, released_cells, services

bp = Blueprint("actions", __name__)
review_bp = Blueprint("review_actions", __name__, url_prefix="/review/actions")

KIND_NAMES = {"near-miss": "Near-misses", "moral-distress": "Moral distress"}


class SummaryForm(FlaskForm):
    """The category and quarter (one choice, ``quarter|kind|category``), what changed, and
    which step: ``preview`` (the default), ``publish`` as shown, or ``edit``."""

    target = StringField()
    text = TextAreaField()
    action = StringField()


class WithdrawForm(FlaskForm):
    """Nothing but the CSRF token: which summary is in the address."""


def category_name(kind: str, slug: str) -> str:
    found = services().require_taxonomy().category(kind, slug)
    return found.name if found else slug


@bp.app_context_processor
def _names() -> dict:
    return {"action_category_name": category_name, "action_kind_names": KIND_NAMES}


@bp.get("/you-said-we-did")
def index():
    return render_template("actions/index.html", quarters=actions.published_by_quarter())


def keys_unlocked(view: Callable) -> Callable:
    """After the role check: a reviewer whose keys are locked is told so, as on /review."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if current_group_keys() is None:
            return render_template("review/locked.html"), 403
        return view(*args, **kwargs)

    return wrapped


@review_bp.errorhandler(actions.SummaryNotFound)
def _no_summary(_error):
    message = "There is no published summary at this address; it may have been withdrawn."
    return render_template("errors/error.html", status=404, message=message), 404


@review_bp.get("")
@role_required("reviewer")
@keys_unlocked
def publish_form():
    return _render(SummaryForm())


@review_bp.post("")
@role_required("reviewer")
@keys_unlocked
def publish():
    form = SummaryForm()
    if not form.validate():
        return _render(form, {"form": "the form expired: publish again"}), 400
    action = form.action.data or "preview"
    if action == "edit":
        return _render(form)
    quarter, _, rest = (form.target.data or "").partition("|")
    kind, _, category = rest.partition("|")
    found = services()
    given = {"released": released_cells(), "taxonomy": found.require_taxonomy()}
    try:
        if action != "publish":
            preview = actions.check_summary(
                kind, category, quarter, form.text.data or "", scrubber=found.scrubber, **given
            )
            return _preview(form, kind, category, quarter, preview)
        actions.publish(
            kind,
            category,
            quarter,
            form.text.data or "",
            scrubber=found.scrubber,
            month=current_period(),
            record=audit,
            **given,
        )
    except actions.SummaryRefused as exc:
        return _render(form, exc.fields), 400
    flash(f"Published for {category_name(kind, category)}, {quarter}.")
    return redirect(url_for("review_actions.publish_form"))


def _preview(
    form: SummaryForm,
    kind: str,
    category: str,
    quarter: str,
    preview: ScrubResult,
    *,
    summary: ActionSummary | None = None,
):
    """The scrubbed text, marked; confirming publishes it, or saves it over ``summary``."""
    draft = drafts.track(drafts.Draft(), preview)
    form.text.data = preview.text
    return render_template(
        "actions/preview.html",
        form=form,
        kind=kind,
        category=category,
        quarter=quarter,
        summary=summary,
        segments=drafts.marked(preview.text, draft),
        replaced=draft.replaced,
    )


@review_bp.get("/<summary_id>/edit")
@role_required("reviewer")
@keys_unlocked
def edit_form(summary_id: str):
    summary = actions.published_summary(summary_id)
    return _render_edit(summary, SummaryForm(formdata=None, text=summary.text))


@review_bp.post("/<summary_id>/edit")
@role_required("reviewer")
@keys_unlocked
def edit(summary_id: str):
    summary = actions.published_summary(summary_id)
    form = SummaryForm()
    if not form.validate():
        return _render_edit(summary, form, {"form": "the form expired: save again"}), 400
    action = form.action.data or "preview"
    if action == "edit":
        return _render_edit(summary, form)
    found = services()
    given = {"released": released_cells(), "taxonomy": found.require_taxonomy()}
    text = form.text.data or ""
    try:
        if action != "save":
            preview = actions.check_edit(summary, text, scrubber=found.scrubber, **given)
            where = (summary.kind, summary.category, summary.quarter)
            return _preview(form, *where, preview, summary=summary)
        actions.edit(summary.id, text, scrubber=found.scrubber, record=audit, **given)
    except actions.SummaryRefused as exc:
        return _render_edit(summary, form, exc.fields), 400
    flash(f"Saved the summary for {_named(summary)}.")
    return redirect(url_for("review_actions.publish_form"))


@review_bp.get("/<summary_id>/withdraw")
@role_required("reviewer")
@keys_unlocked
def withdraw_form(summary_id: str):
    summary = actions.published_summary(summary_id)
    return render_template("actions/withdraw.html", summary=summary, form=WithdrawForm())


@review_bp.post("/<summary_id>/withdraw")
@role_required("reviewer")
@keys_unlocked
def withdraw(summary_id: str):
    summary = actions.published_summary(summary_id)
    form = WithdrawForm()
    if not form.validate():
        return render_template("actions/withdraw.html", summary=summary, form=form), 400
    actions.withdraw(summary.id, record=audit)
    flash(f"Withdrew the summary for {_named(summary)}: staff no longer see it.")
    return redirect(url_for("review_actions.publish_form"))


def _named(summary: ActionSummary) -> str:
    return f"{category_name(summary.kind, summary.category)}, {summary.quarter}"


def _render_edit(summary: ActionSummary, form: SummaryForm, errors: dict[str, str] | None = None):
    return render_template(
        "actions/edit.html",
        summary=summary,
        form=form,
        errors=errors or {},
        max_chars=actions.MAX_SUMMARY_CHARS,
    )


def _render(form: SummaryForm, errors: dict[str, str] | None = None) -> str:
    return render_template(
        "actions/review.html",
        form=form,
        errors=errors or {},
        choices=actions.publishable(released_cells(), services().require_taxonomy()),
        quarters=actions.published_by_quarter(),
        kinds=KINDS,
        max_chars=actions.MAX_SUMMARY_CHARS,
    )
