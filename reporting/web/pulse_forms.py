"""The pulse survey's forms, and what a respondent entered, read back from a posted form.

The token obtained for a code travels only in the answer form's hidden fields (hex), from
page to page, never in a cookie or the session: the server keeps nothing between steps.
The statements and optional questions depend on the instrument, so their answers are read
from the posted form by name (``answer-<item>``, ``optional-<question>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_wtf import FlaskForm
from wtforms import StringField

from reporting.pulse.instruments import Instrument
from reporting.pulse.responses import Token


class PulseCodeForm(FlaskForm):
    code = StringField()


class PulseAnswerForm(FlaskForm):
    """The CSRF token and the step asked for; everything entered is read by `entered`."""

    action = StringField()


@dataclass
class Entered:
    """Everything a respondent entered, as posted, so that no refusal loses any of it."""

    token_message: str = ""
    token_signature: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    optional: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    role: str = ""
    comment: str = ""

    def token(self) -> Token | None:
        try:
            message = bytes.fromhex(self.token_message)
            signature = bytes.fromhex(self.token_signature)
        except ValueError:
            return None
        return Token(message, signature) if message and signature else None

    def scale_answers(self) -> dict[str, int]:
        """The statements answered with a whole number; anything else counts as unanswered."""
        return {k: int(v) for k, v in self.answers.items() if v.isascii() and v.isdigit()}

    def hidden(self, instrument: Instrument, *, with_comment: bool = False) -> dict[str, str]:
        """The fields to carry through a step that does not show them (name -> value)."""
        fields = {"token_message": self.token_message, "token_signature": self.token_signature}
        for item in instrument.items:
            if self.answers.get(item.id):
                fields[answer_name(item.id)] = self.answers[item.id]
        for question in instrument.optional:
            if self.optional.get(question.id):
                fields[optional_name(question.id)] = self.optional[question.id]
        fields["unit"], fields["role"] = self.unit, self.role
        if with_comment:
            fields["comment"] = self.comment
        return fields


def answer_name(item_id: str) -> str:
    return f"answer-{item_id}"


def optional_name(question_id: str) -> str:
    return f"optional-{question_id}"


def entered(form: Mapping[str, str], instrument: Instrument) -> Entered:
    """What was posted for this instrument's questions; unknown names are ignored."""
    return Entered(
        token_message=form.get("token_message", "").strip(),
        token_signature=form.get("token_signature", "").strip(),
        answers={i.id: form.get(answer_name(i.id), "") for i in instrument.items},
        optional={q.id: form.get(optional_name(q.id), "") for q in instrument.optional},
        unit=form.get("unit", ""),
        role=form.get("role", ""),
        # A browser counts a line break as one character against maxlength, and sends two.
        comment=form.get("comment", "").replace("\r\n", "\n"),
    )
