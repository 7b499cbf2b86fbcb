"""'You said, we did' on the web: a public page for all staff, and reviewers' publishing page.

Two blueprints that meet only in actions.py: the public one (no login, nothing about any
report) and the reviewers' one under /review/actions, behind the reviewer role, unlocked
review keys (like the rest of /review) and CSRF. Publishing takes two plain form posts: the
first shows the scrubbed summary with each replacement marked, then "Publish as shown" or
"Edit".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

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


def _preview(form: SummaryForm, kind: str, category: str, quarter: str, preview: ScrubResult):
    draft = drafts.track(drafts.Draft(), preview)
    form.text.data = preview.text
    return render_template(
        "actions/preview.html",
        form=form,
        kind=kind,
        category=category,
        quarter=quarter,
        segments=drafts.marked(preview.text, draft),
        replaced=draft.replaced,
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
