"""Bed, room and cubicle numbers: with a ward and a month, a bed number points to one patient.

Only the number is replaced; the cue word stays, as does the bay and the ward ("bay 3 bed
[BED] on Ward 7B", "side room [BED]", "beds [BED] and [BED]"). A number with a unit after it
("room for 2 nurses", "bed 3 hourly obs" aside) is not a bed number. A room may have four
digits, as a US floor numbers them ("Room 5102"); a bed or cubicle has at most three.
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
# A US hospital's room is numbered by floor ("Room 5102"): four digits after "room" alone.
_ROOM_OF_FLOOR = re.compile(
    r"(?<![\w-])(?i:rooms?|rm)(?:\s*(?i:no\.?|number|\#))?\s*[:.]?\s*"
    r"(?P<list>\d{4}(?![A-Za-z\d]))" + _UNIT_AFTER  # not "room 2300h"
)
_ONE = re.compile(r"\d{4}|" + _NUMBER)
# The lower-case literals every cue starts with (and "SR", which is case-sensitive).
_ANCHORS = ("bed", "side", "isolation", "single", "room", "rm", "cub", "trolley")
# Characters that IGNORECASE matches to ASCII letters, or whose lower case has another
# length: with one of them the anchors could miss a cue, so the text is scanned in full.
_CASE_ODD = re.compile("[\u0130\u0131\u017f\u212a]")
_WORD_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def bed_numbers(text: str) -> list[tuple[int, int, str]]:
    """Spans of the bed, room and cubicle numbers in ``text``, each as (start, end, "BED")."""
    spans = []
    for m in _bed_matches(text):
        start = m.start("list")
        spans.extend(
            (start + n.start(), start + n.end(), "BED") for n in _ONE.finditer(m.group("list"))
        )
    return spans


def _bed_matches(text: str):
    """The matches ``_BEDS.finditer`` gives, found by trying the pattern only where a cue
    word starts (a substring search per literal), which is several times cheaper than
    scanning every position."""
    low = text.lower()
    if not text.isascii() and (len(low) != len(text) or _CASE_ODD.search(text)):
        yield from _BEDS.finditer(text)
        return
    starts = set()
    for word in _ANCHORS:
        i = low.find(word)
        while i != -1:
            if not (i and low[i - 1] in _WORD_BEFORE):  # else the look-behind fails
                starts.add(i)
            i = low.find(word, i + 1)
    i = text.find("SR")
    while i != -1:
        starts.add(i)
        i = text.find("SR", i + 1)
    last = 0
    for i in sorted(starts):
        m = _BEDS.match(text, i) if i >= last else None
        if m is None and i >= last and low.startswith(("room", "rm"), i):
            m = _ROOM_OF_FLOOR.match(text, i)
        if m is not None:
            last = m.end()
            yield m
