"""Finding structured identifiers: trying the pattern, and which matches count.

Trying the combined pattern at every position is slow, so it is tried only at the
candidate positions :mod:`.candidates` finds (a number, a sign or code just before one,
a cue word followed by one), with the branch subset for the characters there.
``_matches_reference`` is the plain scan it must agree with; the tests compare the two.
A match is then validated (case-sensitive groups, digit counts, real calendar dates, a
cue before a bare time) before its span is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .candidates import _candidates, _may_be_address, digit_runs
from .number_shapes import AT_NUMBER
from .patterns import (
    _CASE_SENSITIVE_GROUPS,
    _OTHER_AT,
    _STRUCT,
    _STRUCT_ADDR,
    _STRUCT_DIGIT,
    _VALUE_GROUP,
    _WEB,
    _WHOLE_GROUP,
)
from .tokens import _Words

_TIME1_CUE = re.compile(
    r"(?:\b(?:at|by|around|about|approx\.?|approximately|from|until|till|after|before|@)\s*)$",
    re.IGNORECASE,
)
_DIGIT_COUNT = re.compile(r"\d")
_UPPER_RE = re.compile(r"[A-Z]")


def _valid_numeric_date(s: str) -> bool:
    """Whether day/month/year digits make a calendar date, so '12/45/2020' or a ratio
    such as '3/4/5' is not taken for one (non-numeric dates are not checked here)."""
    parts = re.split(r"[/.-]", s)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True
    try:
        a, b, c = (int(p) for p in parts)
    except ValueError:
        return False
    if len(parts[0]) == 4:  # ISO
        return 1 <= b <= 12 and 1 <= c <= 31
    if not (1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12)):
        return False
    return len(parts[2]) in (2, 4)


def _matches(
    text: str, runs: list[tuple[int, int]] | None = None, words: _Words | None = None
) -> Iterator[re.Match[str]]:
    """Valid matches of the combined pattern, tried only where one can start (see
    :func:`_candidates`; ``runs`` are the text's :func:`digit_runs` and ``words`` its
    tokens, if already known).
    Same result as trying every position in turn (:func:`_matches_reference`, the tests
    check this) but several times faster."""
    return (m for m, _span in _spanned_matches(text, runs, words))


def _spanned_matches(
    text: str, runs: list[tuple[int, int]] | None, words: _Words | None
) -> Iterator[tuple[re.Match[str], tuple[int, int, str] | None]]:
    """The matches of :func:`_matches`, each with its :func:`_span`, which a valid match
    needs anyway (so it is computed once)."""
    low = text.lower()
    if "@" in text or "://" in text or "ww." in low:
        yield from ((m, _span(text, m)) for m in _web_matches(text, low))
    if len(low) != len(text):  # rare case-mapping that changes length: plain scan
        yield from ((m, _span(text, m)) for m in _scan(text))
        return
    last = -1
    match_digit = _STRUCT_DIGIT.match
    match_addr = _STRUCT_ADDR.match
    runs = digit_runs(text) if runs is None else runs
    run_end = dict(runs)
    for pos in _candidates(text, low, runs, words):
        if pos < last:
            continue
        c = text[pos]
        if c.isdigit() or c in "+(":
            end = run_end.get(pos)
            if end is None:  # a sign or a bracket
                m = match_digit(text, pos)
            else:  # a number: only what its shape allows (see .number_shapes)
                at = AT_NUMBER[text[pos : pos + 2], end - pos, text[end : end + 1]]
                m = None if at is None else at.match(text, pos)
            if m is None and c.isdigit() and _may_be_address(text, pos, end):
                m = match_addr(text, pos)  # a street address starting with its number
        else:
            m = _OTHER_AT[text[pos : pos + 3]].match(text, pos)
        if m is not None and m.end() > pos and (span := _span(text, m)) is not None:
            last = m.end()
            yield m, span


_LOCAL_CHAR = re.compile(r"[\w.%+'-]", re.IGNORECASE)  # a character of an e-mail's local part


def _web_matches(text: str, low: str) -> Iterator[re.Match[str]]:
    """The matches ``_WEB.finditer`` gives, tried only where one can start: at the start of
    the local part before each "@" and at each "http" or "www.". The e-mail pattern
    scanned over a whole narrative retries its local part at every letter."""
    if len(low) != len(text):
        yield from _WEB.finditer(text)
        return
    starts = set()
    i = text.find("@")
    while i != -1:
        k = i
        while k and _LOCAL_CHAR.match(text, k - 1):
            k -= 1
        if k < i:
            starts.add(k)
        i = text.find("@", i + 1)
    for anchor in ("http", "www."):
        i = low.find(anchor)
        while i != -1:
            starts.add(i)
            i = low.find(anchor, i + 1)
    last = 0
    for i in sorted(starts):
        if i >= last and (m := _WEB.match(text, i)) is not None:
            last = m.end()
            yield m


def _scan(text: str) -> Iterator[re.Match[str]]:
    """Valid matches found by searching from each position in turn: the slow, obvious way."""
    pos = 0
    search = _STRUCT.search
    while True:
        m = search(text, pos)
        if m is None:
            return
        if m.end() > m.start() and _span(text, m) is not None:
            yield m
            pos = m.end()
        else:
            pos = m.start() + 1


def _matches_reference(text: str) -> Iterator[re.Match[str]]:
    """Plain scan of every position, used by the tests to check :func:`_matches`."""
    if "@" in text or "://" in text or "ww." in text.lower():
        yield from _WEB.finditer(text)
    yield from _scan(text)


def _span(text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
    """The replaced span of a match and its kind, or None if the match is not valid."""
    group = m.lastgroup
    if group is None:
        return None
    if group in _VALUE_GROUP:
        sub, kind = _VALUE_GROUP[group]
        start, end = m.span(sub)
    else:
        kind = _WHOLE_GROUP[group]
        start, end = m.span()
    value = text[start:end]
    if group in _CASE_SENSITIVE_GROUPS:
        if group == "addr" and not value[:1].isupper() and not value[:1].isdigit():
            return None
        if group == "pcuk" and (value.upper() != value or not _UPPER_RE.search(value)):
            return None
        if group == "pcus" and not text[m.start() : m.start() + 2].isupper():
            return None
        if group == "hospno" and (value.upper() != value or len(value) < 6):
            return None
    if group == "phone":
        n = len(_DIGIT_COUNT.findall(value))
        if n < 9 or n > 17:
            return None
    elif (
        (group == "date" and not _valid_numeric_date(value))
        or (group == "time1" and not _TIME1_CUE.search(text, max(0, start - 20), start))
        or (group == "idc" and len(_DIGIT_COUNT.findall(value)) < 3)
    ):
        return None
    return start, end, kind


def _structured(
    text: str, runs: list[tuple[int, int]] | None = None, words: _Words | None = None
) -> list[tuple[int, int, str]]:
    """Spans and kinds of every structured identifier in ``text``, in text order."""
    return [span for _m, span in _spanned_matches(text, runs, words) if span is not None]
