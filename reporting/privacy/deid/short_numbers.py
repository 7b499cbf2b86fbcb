"""Short numeric identifiers that only a cue word makes identifying.

"19/02" alone could be a ratio or a score, and "555-0199" could be a count, but after a
weekday ("Wed 19/02") the first is a date and after "call" or "ring" the second is a
phone number. The digit patterns in :mod:`.patterns` need a year or a longer number, so
these two get their own small pass. Spans are ``(start, end, KIND)`` like
:func:`.beds.bed_numbers`; the cue word stays in the text. Both look for a cheap anchor
(a "/", a calling verb) before trying any pattern.
"""

from __future__ import annotations

import re

_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
_WEEKDAY_END = re.compile(r"\b" + _WEEKDAY + r"\.?,?\s+(?:the\s+)?$", re.IGNORECASE)
_DAY_MONTH_AT = re.compile(r"(?<![\d/])(?P<day>[0-3]?\d)/(?P<month>[01]?\d)(?![\d/])")


def weekday_day_month(text: str) -> list[tuple[int, int, str]]:
    """Day/month without a year after a weekday ("Wed 19/02", "Fri 21/2" -> "Wed [DATE]"):
    the weekday pins the week, so the pair is a date, not a ratio. The weekday stays."""
    spans = []
    i = text.find("/")
    while i != -1:
        start = i - 2 if i >= 2 and text[i - 2].isdigit() else i - 1
        m = _DAY_MONTH_AT.match(text, max(0, start), i + 4)
        if (
            m
            and 1 <= int(m.group("day")) <= 31
            and 1 <= int(m.group("month")) <= 12
            and _WEEKDAY_END.search(text, max(0, m.start() - 16), m.start())
        ):
            spans.append((m.start(), m.end(), "DATE"))
        i = text.find("/", i + 1)
    return spans


_CALLING = ("call", "ring", "rang", "phon", "dial")
_SEVEN_AFTER_CUE = re.compile(
    r"(?:call|calls|called|calling|ring|rings|rang|ringing|phone|phoned|phoning|dial|dialled|"
    r"dialed|dialling)\b(?:\s+(?:us|me|them|him|her|back))?"
    r"(?:\s+(?:on|at))?\s*:?\s*(?P<p>\d{3}[\s.-]?\d{4})(?![\d/:.-]?\d)(?![\d/])",
    re.IGNORECASE,
)


def seven_digit_phones(text: str) -> list[tuple[int, int, str]]:
    """Seven-digit local numbers after a calling cue ("call 555-0199", "ring 4567890" ->
    "ring [PHONE]"). Without the cue a seven-digit run is left to the other rules
    (a long run still becomes [ID]); 999 and 911 are too short to match."""
    low = text.lower()
    spans = []
    for cue in _CALLING:
        i = low.find(cue)
        while i != -1:
            if (i == 0 or not low[i - 1].isalnum()) and (m := _SEVEN_AFTER_CUE.match(text, i)):
                spans.append((m.start("p"), m.end("p"), "PHONE"))
            i = low.find(cue, i + 1)
    return spans
