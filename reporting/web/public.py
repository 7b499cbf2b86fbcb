"""The reporter's pages: no account, no JavaScript needed, nothing kept about the reporter.

Steps of /report, all POSTs to one URL so nothing about a report ever enters a URL:
choose the kind -> details -> (if there is a narrative) review the de-identified text ->
receipt, shown once. The draft lives only in the form between steps (see drafts.py).
After filing, the session keeps only the filed flow's random name (`FILED`: no receipt, no
report id), so that Back after the receipt answers "already filed" instead of sending again.
Following a report up with its receipt is follow_up.py, on this same blueprint.
"""

from __future__ import annotations

import dataclasses
import secrets

from flask import Blueprint, current_app, render_template, request, session
from flask_wtf.csrf import CSRFError

from reporting import submissions
from reporting.privacy import drafts
from reporting.taxonomy import KINDS, ROLES
from reporting.web import follow_up
from reporting.web.form_errors import sentences
from reporting.web.forms import (
    DISTRESS_TYPE_WORDS,
    POTENTIAL_HARM_WORDS,
    STOPPED_BY_WORDS,
    LeaveForm,
    ReportForm,
    ReviewForm,
)
from reporting.web.ratelimit import filing_limit, limiter
from reporting.web.security import csrf
from reporting.web.services import file_live_report, services

bp = Blueprint("public", __name__)
follow_up.register(bp)

INTENSITY_OPTIONS = [("", "Prefer not to say"), ("0", "0 (none)")]
INTENSITY_OPTIONS += [(str(n), str(n)) for n in range(1, 10)] + [("10", "10 (worst possible)")]
FILED = "filed"


def _new_flow() -> str:
    return secrets.token_urlsafe(12)


def _filed_here(flow: str | None) -> bool:
    """Whether this session just filed the flow a page belongs to."""
    filed = session.get(FILED)
    return bool(flow and filed) and secrets.compare_digest(str(filed), str(flow))


@bp.get("/")
def index():
    return render_template("public/index.html", taxonomy=services().require_taxonomy())


@bp.get("/report")
def report_start():
    if FILED in session:
        session.restart()  # a new report: the last one's mark goes, its minutes start now
    return render_template("public/start.html", form=ReportForm(), kinds=KINDS, flow=_new_flow())


@bp.get("/report/filed")
def report_filed():
    """Where Back after the receipt lands with JavaScript (filing.js): a plain page, no form.

    Without a filing in this session (it ended, or the send did not file) it is the start.
    """
    if FILED not in session:
        return report_start()
    return _already_filed()


def _already_filed():
    return render_template("public/filed.html")


def _files_now() -> bool:
    action = request.form.get("action", "")
    no_narrative = not request.form.get("narrative", "").strip()
    return action == "submit" or (action == "continue" and no_narrative)


@bp.post("/report")
@limiter.limit(filing_limit, exempt_when=lambda: not _files_now())
@limiter.limit(lambda: current_app.config["RATELIMIT_FORM"])
def report_step():
    form = ReviewForm()
    form.validate()  # CSRF is checked before the view; values are the domain's to judge
    if _filed_here(form.flow.data):
        return _already_filed()
    form.flow.data = form.flow.data or _new_flow()
    action = form.action.data or "continue"
    if action == "start":
        if form.kind.data not in KINDS:
            return _start_again("Choose what you want to tell us about.")
        form.role.data = form.role.data or "not-given"
        return _details(form)
    if action == "edit":
        return _details(form)
    try:
        submission = submissions.parse_submission(
            form.submission_data(),
            services().require_taxonomy(),
            max_narrative=int(current_app.config["MAX_NARRATIVE_CHARS"]),
            from_form=True,
        )
    except submissions.InvalidSubmission as exc:
        if "kind" in exc.fields:
            return _start_again("Choose what you want to tell us about.")
        errors = sentences(
            exc.fields,
            max_narrative=int(current_app.config["MAX_NARRATIVE_CHARS"]),
            typed=form.narrative.data or "",
        )
        return _details(form, errors=errors, status=400)
    if not submission.narrative:
        return _file(submission, form.flow.data)
    return _review(form, submission, action)


def _review(form: ReviewForm, submission: submissions.Submission, action: str):
    secret = current_app.config["SECRET_KEY"]
    nonce = session.setdefault("draft_nonce", secrets.token_urlsafe(16))
    notices: list[str] = []
    previous = drafts.open_draft(form.draft.data, secret, nonce)
    if form.draft.data and previous is None:
        notices.append(
            "Your session restarted, so the words we replaced earlier can no longer be "
            "restored. Your text is as you left it."
        )
    draft = previous or drafts.Draft()
    result = services().scrubber.scrub(submission.narrative, keep=draft.kept)
    draft = drafts.track(draft, result)
    text = result.text
    if action == "restore":
        text, draft = drafts.restore(text, draft, set(form.restore.data or []))
    elif action == "submit":
        if result.replacements:
            notices.append(
                "We replaced more identifying details in your changes. Check the text "
                "below, then send it."
            )
        else:
            kept = dataclasses.replace(submission, narrative=text, keep=tuple(draft.kept))
            return _file(kept, form.flow.data)
    form.narrative.data = text
    form.draft.data = drafts.seal_draft(draft, secret, nonce)
    form.restore.data = []
    return render_template(
        "public/review.html",
        form=form,
        segments=drafts.marked(text, draft),
        draft=draft,
        restored=draft.kept,
        notices=notices,
        hidden=_hidden_fields(form),
    )


def _file(submission: submissions.Submission, flow: str):
    filed = file_live_report(submission)
    session.clear()  # the reporter's session ends at filing: only the flow's name is left
    session[FILED] = flow
    return render_template(
        "public/receipt.html", receipt=filed.receipt, period=filed.period, leave_form=LeaveForm()
    )


def _details(form: ReportForm, errors: dict[str, str] | None = None, status: int = 200):
    taxonomy = services().require_taxonomy()
    kind = form.kind.data
    return (
        render_template(
            "public/details.html",
            form=form,
            kind=kind,
            kind_name=KINDS.get(kind, ""),
            category_options=[(c.slug, c.name) for c in taxonomy.categories_of(kind)],
            departments=taxonomy.active_departments(),
            taxonomy=taxonomy,
            roles=ROLES,
            intensity_options=INTENSITY_OPTIONS,
            distress_type_words=DISTRESS_TYPE_WORDS,
            stopped_by_words=STOPPED_BY_WORDS,
            potential_harm_words=POTENTIAL_HARM_WORDS,
            errors=errors or {},
            max_narrative=int(current_app.config["MAX_NARRATIVE_CHARS"]),
        ),
        status,
    )


def _start_again(message: str):
    page = render_template(
        "public/start.html", form=ReportForm(), kinds=KINDS, flow=_new_flow(), error=message
    )
    return page, 400


def _hidden_fields(form: ReportForm) -> dict[str, str]:
    data = form.submission_data()
    data.pop("narrative")
    data["flow"] = form.flow.data or ""
    return data


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError):
    """An expired session must not cost the reporter their text: show it again, send nothing.

    A page of a report this session has just filed, sent again (Back, then resend), is
    answered "already filed": its session ended at filing, so its CSRF token fails too.
    """
    if (
        request.method == "POST"
        and request.path == "/report"
        and _filed_here(request.form.get("flow"))
    ):
        return _already_filed()
    if request.method == "POST" and request.path == "/report" and request.form.get("kind") in KINDS:
        form = ReviewForm(formdata=request.form, meta={"csrf": False})
        form.restore.data = []
        page, _status = _details(
            form,
            errors={
                "_form": "Your session timed out, so nothing was sent. Your answers are "
                "below: check them and send again. If you already saw a receipt for this "
                "report, it was filed and you need not send it again."
            },
        )
        return page, 400
    return render_template(
        "errors/error.html",
        status=400,
        message="This page timed out, so nothing was sent. Go back to the start and try again.",
    ), 400


@bp.post("/leave")
@csrf.exempt  # SameSite=Strict already keeps other sites out; leaving must never fail
def leave():
    """Clear and leave: end the session, tell the browser to drop this site's data."""
    session.clear()
    target = current_app.config.get("LEAVE_URL") or "/"
    response = current_app.make_response(render_template("public/left.html", target=target))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
