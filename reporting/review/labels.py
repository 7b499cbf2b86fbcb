"""Reviewers' words for the coded fields of a report: the page never shows a code.

The reporter's form words these in the first person ("I knew what was right…", web/forms.py);
a reviewer reads the same value as a short label.
"""

from __future__ import annotations

DISTRESS_TYPES = {
    "constraint": "Constraint: knew what was right, was prevented from doing it",
    "uncertainty": "Uncertainty: unsure what the right thing was",
    "dilemma": "Dilemma: two right things pulled in different directions",
    "conflict": "Conflict: disagreed with others about what was right",
}
STOPPED_BY = {
    "staff": "A member of staff",
    "system": "A check, alert or system",
    "patient-family": "The patient or their family",
    "chance": "Chance",
}
POTENTIAL_HARM = {
    "none": "No harm",
    "mild": "Mild harm",
    "moderate": "Moderate harm",
    "severe": "Severe harm",
    "death": "Could have caused a death",
    "unknown": "Not known",
}
