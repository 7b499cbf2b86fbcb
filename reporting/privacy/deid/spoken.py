"""Identifiers written out in words: ages over 89, clock times and bare ordinal dates.

Reporters write the way they talk ("a ninety-two year old", "at half past three in the
morning", "not until the 15th"), and the digit patterns in :mod:`.patterns` never see
these. Each function returns spans ``(start, end, KIND)`` like :func:`.beds.bed_numbers`.

Ages and times in words are taken only with a cue (a year-old after, or "aged", "who is",
"at", "by" before; "past"/"to" between two clock numbers), because "ninety" and "ten to
four" are also counts and ranges. Durations ("for half an hour", "ten to fifteen minutes")
stay: a unit word after the number stops a match.

Speed: scanning a narrative with these patterns costs hundreds of microseconds, so each
function finds a rare literal anchor first ("ninety", "past", "clock", "the 1...") with a
substring search and only then matches small patterns forwards from it and backwards
(a ``$``-anchored search in a short window ending at it).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_UNITS = (
    r"(?![\w-]|\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|"
    r"patients?|pts|nurses?|staff|people|beds?|times|units?|mg|mcg|ml|kg|percent|per\b|%|of\b))"
)


def _occurrences(low: str, word: str):
    """Offsets of ``word`` in ``low``."""
    i = low.find(word)
    while i != -1:
        yield i
        i = low.find(word, i + 1)


def _ends_at(pattern: re.Pattern[str], text: str, end: int, width: int) -> re.Match[str] | None:
    """A match of ``pattern`` (which ends with ``$``) ending exactly at ``end``."""
    return pattern.search(text, max(0, end - width), end)


# -- ages -----------------------------------------------------------------------------

_DIGIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEEN_WORD = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_AGE_AT = re.compile(
    r"(?:ninety(?:[\s-]" + _DIGIT_WORD + r")?"
    r"|(?:one\s+)?hundred(?:\s+and\s+(?:" + _TEEN_WORD + "|" + _DIGIT_WORD + r"))?)(?!\w)",
    _I,
)
_AGE_CUE_END = re.compile(
    r"(?:\baged?|\bturned|\bturning|\bturns|\bwho\s+(?:is|was)|"
    r"\b(?:she|he|they|patient|pt|lady|man|woman|gentleman|gent|mum|dad|mother|father|"
    r"husband|wife|resident|nan|grandma|grandad|"
    r"sister|brother|aunt|uncle|gran|granny|nana|grandmother|grandfather|neighbour|neighbor)"
    r"(?:'s|’s|\s+is|\s+was))\s+(?:a\s+)?$",
    _I,
)
_YEARS_AFTER = re.compile(
    r"(?![\s-]*years?\s+(?:ago|earlier|later|before|since))[\s-]*(?:years?|yrs?|yo|y/o)(?![a-z])",
    _I,
)
_NOT_COUNT = re.compile(r"\s*(?:%|percent|per\b|patients|people|beds|minutes|hours|days)", _I)


def ages_in_words(text: str) -> list[tuple[int, int, str]]:
    """Ages over 89 written in words ("a ninety-two year old" -> "a [AGE] year old",
    "aged ninety-one", "who is a hundred and two" -> "who is a [AGE]", "Mr P., ninety-three,").
    Only the number goes; "eighty-seven" and other ages under 90 stay (clinical content)."""
    low = text.lower()
    spans = []
    for word in ("ninety", "hundred"):
        for i in _occurrences(low, word):
            start = i - 4 if word == "hundred" and low[max(0, i - 4) : i] == "one " else i
            if start and (low[start - 1].isalnum() or low[start - 1] == "-"):
                continue
            m = _AGE_AT.match(text, start)
            if m is None:
                continue
            end = m.end()
            if (
                _YEARS_AFTER.match(text, end)
                or (_ends_at(_AGE_CUE_END, text, start, 40) and not _NOT_COUNT.match(text, end))
                or (text[max(0, start - 2) : start] == ", " and text[end : end + 1] == ",")
            ):
                spans.append((start, end, "AGE"))
    return sorted(spans)


# "Pt 97, lives alone", "patient 93 yo": an age over 89 said of the patient in digits.
_PATIENT_AGE = re.compile(
    r"(?<![\w-])(?:pt|patient)\s+(9\d|1[01]\d)(?=\s*(?:[,;]|\.(?!\d)|y/?o\b|yrs?\b|years?\b))", _I
)


def patient_ages(text: str) -> list[tuple[int, int, str]]:
    """Ages over 89 right after "Pt" or "patient" ("Pt 97, lives alone" -> "Pt [AGE], …");
    "pt 92% on air" and "patient 95 kg" stay: a percentage or a unit follows them. The
    pattern is tried only where one of the two words stands (white space of any width may
    follow it, as the pattern allows)."""
    low = text.lower()
    spans = []
    for word in ("pt", "patient"):
        for i in _occurrences(low, word):
            if m := _PATIENT_AGE.match(text, i):
                spans.append((m.start(1), m.end(1), "AGE"))
    return sorted(spans)


# -- times ----------------------------------------------------------------------------

_HOUR = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|[1-9])"
_PART_OF_DAY = r"(?:\s+(?:in\s+the\s+(?:morning|afternoon|evening)|at\s+night))"
_CLOCK_END = _HOUR + _PART_OF_DAY + "?" + _UNITS
_CUE = (
    r"(?<![\w-])(?:at|by|around|about|approx\.?|approximately|until|till|til|from|since|"
    r"after|before|gone|nearly|almost)\s+"
)
_CUE_END = re.compile(_CUE + "$", _I)
_PAST_AT = re.compile(r"past\s+" + _CLOCK_END, _I)
_MINUTES_END = re.compile(
    r"(?<![\w-])(?:a\s+)?(?:quarter|half|five|ten|twenty(?:[\s-]five)?|[1-5]?\d(?:\s+minutes)?)\s+$",
    _I,
)
_QUARTER_TO_AT = re.compile(r"quarter\s+to\s+" + _CLOCK_END, _I)
_TO_AT = re.compile(r"\s+to\s+" + _CLOCK_END, _I)
_TO_MINUTES_END = re.compile(r"(?<![\w-])(?:five|ten|twenty(?:[\s-]five)?)$", _I)
_HALF_AT = re.compile(r"half\s+(?!past)" + _CLOCK_END, _I)
_CLOCK_AT = re.compile(r"clock" + _PART_OF_DAY + "?", _I)
_HOUR_O_END = re.compile(r"(?<![\w-])" + _HOUR + r"\s*o['’]?\s?$", _I)
_PART_AT = re.compile(r"(?:in\s+the\s+(?:morning|afternoon|evening)|at\s+night)" + _UNITS, _I)
_CUE_HOUR_END = re.compile(_CUE + r"(?P<h>" + _HOUR + r")\s+$", _I)


_PARTS = ("morning", "afternoon", "evening")


def _time_starts(text: str, low: str):
    """(start, end) candidates for every form of a time in words."""
    for i in _occurrences(low, "past"):
        m, b = _PAST_AT.match(text, i), _ends_at(_MINUTES_END, text, i, 24)
        if m and b:
            yield b.start(), m.end()
    for i in _occurrences(low, "quarter to"):
        if m := _QUARTER_TO_AT.match(text, i):
            yield (i - 2 if low[max(0, i - 3) : i] in (" a ", "a ") else i), m.end()
    for i in _occurrences(low, " to "):
        if not low.endswith(("five", "ten", "twenty"), 0, i):
            continue
        m, b = _TO_AT.match(text, i), _ends_at(_TO_MINUTES_END, text, i, 12)
        if m and b and _ends_at(_CUE_END, text, b.start(), 32):
            yield b.start(), m.end()
    for i in _occurrences(low, "half"):
        if (m := _HALF_AT.match(text, i)) and _ends_at(_CUE_END, text, i, 32):
            yield i, m.end()
    for i in _occurrences(low, "clock"):
        if b := _ends_at(_HOUR_O_END, text, i, 10):
            yield b.start(), _CLOCK_AT.match(text, i).end()
    for anchor in ("in the ", "at night"):
        for i in _occurrences(low, anchor):
            if anchor == "in the " and not low.startswith(_PARTS, i + 7):
                continue
            if (m := _PART_AT.match(text, i)) and (b := _ends_at(_CUE_HOUR_END, text, i, 40)):
                yield b.start("h"), m.end()


def times_in_words(text: str) -> list[tuple[int, int, str]]:
    """Clock times in words ("half past three", "quarter to six", "at half six", "four
    o'clock", "around 3 in the morning"); a trailing "in the morning" / "at night" is part
    of the time. Durations and ranges ("for half an hour", "ten to fifteen minutes") stay."""
    low = text.lower()
    spans: list[tuple[int, int, str]] = []
    for start, end in sorted(_time_starts(text, low), key=lambda s: (s[0], -s[1])):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end, "TIME"))
    return spans


# -- ordinal dates --------------------------------------------------------------------

# words that may follow a bare date ("since the 3rd, ...", "on the 14th the level ...");
# any other word makes the ordinal part of a noun phrase ("the 4th floor", "the 3rd time")
_AFTER_DATE = (
    r"(?:the|and|but|or|when|while|at|on|i|we|she|he|they|it|so|because|as|which|there|then|"
    r"in|to|for|with|until|till|before|after|this|that|is|was|were|if|onwards|onward)"
)
_THE_NUMBER = re.compile(r"the\s+(?=\d)")
_ORD_CUE_END = re.compile(r"(?<![\w-])(?:on|since|until|till|by|before|after|from|for)\s+$", _I)
_ORD_AT = re.compile(
    r"(?:[12]?\d|3[01])(?:st|nd|rd|th)(?=\s*(?:$|[^\w\s]|" + _AFTER_DATE + r"\b))", _I
)


def ordinal_dates(text: str) -> list[tuple[int, int, str]]:
    """Bare day ordinals after on / since / until / by / for ... the ("since the [DATE]"):
    a day of a month the reader can date. "the 3rd time", "on the 4th floor" stay."""
    spans = []
    for t in _THE_NUMBER.finditer(text):
        if (m := _ORD_AT.match(text, t.end())) and _ends_at(_ORD_CUE_END, text, t.start(), 8):
            spans.append((m.start(), m.end(), "DATE"))
    return spans
