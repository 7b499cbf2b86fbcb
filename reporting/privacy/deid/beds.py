"""Bed, room and cubicle numbers: with a ward and a month, a bed number points to one patient.

Only the number is replaced; the cue word stays, as does the bay and the ward ("bay 3 bed
[BED] on Ward 7B", "side room [BED]", "beds [BED] and [BED]"). A number with a unit after it
("room for 2 nurses", "bed 3 hourly obs" aside) is not a bed number.
"""

from __future__ import annotations

import re

_CUE = (
    r"(?:(?i:bed[\s-]*space|bed|beds|side[\s-]*rooms?|siderooms?|isolation\s+rooms?"
    r"|single\s+rooms?|rooms?|rm|cubicles?|cubes?|cubies?|trolley|trolleys)|SR)"
)
_NUMBER = r"(?:\d{1,3}[A-Za-z]?(?![A-Za-z\d])|[A-Za-z]\d{1,2}(?![A-Za-z\d]))"
_UNIT_AFTER = (
    r"(?!\s*(?:%|mg|mcg|ml|kg|units?|patients?|pts|nurses?|staff|hours?|hrs?|h\b|days?|"
    r"mins?|minutes?|weeks?|times|x\b|beds?|rooms?|cubicles?|degrees|[:/.]\d))"
)
_BEDS = re.compile(
    r"(?<![\w-])"
    + _CUE
    + r"(?:\s*(?i:no\.?|number|num|\#))?\s*[:.]?\s*"
    + r"(?P<list>"
    + _NUMBER
    + r"(?:\s*(?:,|/|&|(?i:and)|(?i:or))\s*"
    + _NUMBER
    + r")*)"
    + _UNIT_AFTER
)
_ONE = re.compile(_NUMBER)
_QUICK = re.compile(r"(?i:bed|room|rm|cubi|cube|trolley)|SR")


def bed_numbers(text: str) -> list[tuple[int, int, str]]:
    """Spans of the bed, room and cubicle numbers in ``text``, each as (start, end, "BED")."""
    if not _QUICK.search(text):
        return []
    spans = []
    for m in _BEDS.finditer(text):
        start = m.start("list")
        spans.extend(
            (start + n.start(), start + n.end(), "BED") for n in _ONE.finditer(m.group("list"))
        )
    return spans
