"""The reporter's form says what is wrong in sentences, not in the API's field messages.

The domain's checks (submissions.py) answer API clients with terse messages per field
("must be one of: …"); a reporter reads what to do instead, and is told that nothing they
wrote was cut or lost.
"""

from __future__ import annotations

from collections.abc import Mapping

_SENTENCES = {
    "category": "Choose what it was about from the list.",
    "unit": "Choose your unit or area from the list, or \u201cPrefer not to say\u201d.",
    "role": "Choose your staff group, or \u201cPrefer not to say\u201d.",
    "intensity": "Choose how distressing it was, from 0 (not at all) to 10 (the worst).",
    "distress_type": "Choose the answer that comes closest, or leave the question blank.",
    "stopped_by": "Choose what stopped it, or leave the question blank.",
    "potential_harm": "Choose how bad it could have been, or leave the question blank.",
}


def sentences(fields: Mapping[str, str], *, max_narrative: int, typed: str = "") -> dict[str, str]:
    """Each field's problem as a sentence a reporter can act on."""
    found = {}
    for name, message in fields.items():
        if name == "narrative":
            length = f"{len(typed):,} characters long" if typed else "too long"
            found[name] = (
                f"Your account is {length}; we can take up to {max_narrative:,}. Please "
                "shorten it: nothing you wrote has been cut or lost."
            )
        elif name == "category" and "retired" in message:
            found[name] = "That category is no longer used: choose the nearest one in the list."
        else:
            found[name] = _SENTENCES.get(name, "Please check this answer.")
    return found
