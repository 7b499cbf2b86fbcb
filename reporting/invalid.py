"""Bad input named field by field, so a form, the API and the CLI can each say what to fix.

One base class for every refusal that carries ``fields`` (a mapping of field name to what is
wrong with it): the web layer turns any of them into the same 400 body or form errors.
"""

from __future__ import annotations


class InvalidFields(Exception):
    """Input refused; ``fields`` maps each offending field to a sentence saying what is wrong."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields
