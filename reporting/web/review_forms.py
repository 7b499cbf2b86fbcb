"""Flask-WTF forms of the reviewers' workspace: each POST carries a CSRF token.

Values are plain strings here; triage.py and conversation.py judge them, so the rules live
in one place whatever the caller.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField


class StatusForm(FlaskForm):
    status = SelectField("New status", validate_choice=False)
    referral = SelectField("Referred to", validate_choice=False)


class AssignForm(FlaskForm):
    assignee = SelectField("Assignee", validate_choice=False)


class NoteForm(FlaskForm):
    text = TextAreaField("Internal note")


class ReplyForm(FlaskForm):
    """The reply, and which step: ``preview`` (the default), ``send`` as shown, or ``edit``."""

    text = TextAreaField("Reply to the reporter")
    action = StringField()


class StepAsideForm(FlaskForm):
    """Only a CSRF token: the reviewer leaves the report."""
