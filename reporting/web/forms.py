"""Flask-WTF forms for the reporter's pages.

The forms carry the fields and the CSRF token; the rules about values live in the domain
(`submissions.parse_submission`) so that the web form, the API and imports accept exactly the
same reports. Choice fields are plain strings here and are rendered from the taxonomy.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from reporting.submissions import SUBMISSION_FIELDS


class ReportForm(FlaskForm):
    """The report itself: kind is chosen on the first page and carried as a hidden field."""

    kind = HiddenField()
    category = StringField()
    unit = StringField()
    role = StringField()
    intensity = StringField()
    distress_type = StringField()
    stopped_by = StringField()
    potential_harm = StringField()
    narrative = TextAreaField()
    action = StringField()
    # A random name for this one filing, carried from page to page (public.py): after it is
    # filed, a page of it sent again is answered "already filed", another report's is not.
    flow = HiddenField()

    def submission_data(self) -> dict[str, str]:
        return {name: (getattr(self, name).data or "") for name in SUBMISSION_FIELDS}


class ReviewForm(ReportForm):
    """The review step: the scrubbed text, the sealed draft, and replacements to restore."""

    draft = HiddenField()
    restore = SelectMultipleField(
        coerce=int,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
    )


class FollowUpForm(FlaskForm):
    receipt = StringField()


class AnswerForm(FlaskForm):
    """The reporter's answer in the conversation, through the same review step as a report.

    The receipt travels in the form body (never a URL) between the steps.
    """

    receipt = HiddenField()
    message = TextAreaField()
    draft = HiddenField()
    restore = SelectMultipleField(
        coerce=int,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[Optional()],
    )
    action = StringField()


class LeaveForm(FlaskForm):
    """Only a CSRF token: leaving clears the reporter's session and the page cache."""


# Plain words for the coded values, as the reporter sees them.
DISTRESS_TYPE_WORDS = {
    "constraint": "I knew what was right but was prevented from doing it",
    "uncertainty": "I was unsure what the right thing was",
    "dilemma": "Two right things pulled in different directions",
    "conflict": "I disagreed with others about what was right",
}
STOPPED_BY_WORDS = {
    "staff": "A member of staff noticed",
    "system": "A check, alert or system caught it",
    "patient-family": "The patient or their family noticed",
    "chance": "Luck",
}
POTENTIAL_HARM_WORDS = {
    "none": "No harm",
    "mild": "Mild harm",
    "moderate": "Moderate harm",
    "severe": "Severe harm",
    "death": "It could have caused a death",
    "unknown": "I don't know",
}
