"""Finding structured identifiers: where to try the pattern, and which matches count.

Trying the combined pattern at every position is slow, so it is tried only at candidate
positions (a number, a sign or code just before one, a cue word followed by one), with
the branch subset for that character. ``_matches_reference`` is the plain scan it must
agree with; the tests compare the two. A match is then validated (case-sensitive groups,
digit counts, real calendar dates, a cue before a bare time) before its span is used.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import compress
from operator import attrgetter, itemgetter

from .cue_words import _BUILDING, _CUE_WORD, _CUES
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

_DIGIT_RUN = re.compile(r"\d\d*")  # as \d+, but the engine finds the first digit faster
_ASCII_DIGIT_RUN = re.compile(r"[0-9][0-9]*")  # the same runs in ASCII text, found faster

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


_NEXT_DIGIT = re.compile(r"\s*:?\s*(?:the\s+)?\d")  # cue directly before a number
_CUES_OF = attrgetter("cues")
_END = itemgetter(1)


def digit_runs(text: str) -> list[tuple[int, int]]:
    """The spans of the runs of digits in ``text``, found once for the passes that need
    them (:func:`_candidates`, and the long-digit safety net)."""
    pattern = _ASCII_DIGIT_RUN if text.isascii() else _DIGIT_RUN
    return [m.span() for m in pattern.finditer(text)]


def _cue_positions(low: str, words: _Words | None) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of each cue word in the text, in order: from the cue words the
    tokens (:mod:`.tokens`) carry if given, which spares scanning the whole text."""
    if words is None:
        yield from ((m.start(), m.end(), m.group()) for m in _CUE_WORD.finditer(low))
        return
    toks = words.toks
    for t, t_start in compress(zip(toks, words.starts, strict=True), map(_CUES_OF, toks)):
        for offset, w in t.cues:
            start = t_start + offset
            yield start, start + len(w), w


def _candidates(
    text: str, low: str, runs: list[tuple[int, int]], words: _Words | None = None
) -> list[int]:
    """Positions where a structured identifier can start: at a number (or the '+', '(',
    'x' or upper-case code right before it) and at cue words followed by a number."""
    cands: list[int] = []
    add = cands.append
    for p, _end in runs:
        add(p)
        k = p - 1
        if k >= 0:
            ch = text[k]
            if ch in "+(@x":
                add(k)
            elif ch == "-" and k >= 1 and text[k - 1].isupper():
                k -= 1
            k2 = k
            while k2 >= 0 and p - k2 <= 6 and "A" <= text[k2] <= "Z":
                k2 -= 1
            if k2 < k:
                add(k2 + 1)
            k3 = k
            while k3 >= 0 and text[k3].isspace():
                k3 -= 1
            if k3 < k and k3 >= 0 and text[k3] in "(+@":  # "( 020", "@ 0300"
                add(k3)
            if k3 < k and k3 >= 1 and text[k3 - 1 : k3 + 1].isupper():  # "IL 62704"
                add(k3 - 1)
    run_ends = list(map(_END, runs))
    for start, e, w in _cue_positions(low, words):
        need = _CUES.get(w)
        if need is None:
            if w in _BUILDING and start >= 2:
                k = start - 1
                while k >= 0 and low[k].isspace():
                    k -= 1
                while k >= 0 and low[k].isalpha():
                    k -= 1
                add(k + 1)
            continue
        if need == "n":
            if _NEXT_DIGIT.match(low, e) is None:
                continue
        else:  # a digit within 72 characters: the first run ending after e starts in time
            i = bisect_right(run_ends, e)
            if i == len(runs) or runs[i][0] >= e + 72:
                continue
        add(start)
    cands.sort()
    return cands


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
    for pos in _candidates(text, low, digit_runs(text) if runs is None else runs, words):
        if pos < last:
            continue
        c = text[pos]
        if c.isdigit() or c in "+(":
            m = match_digit(text, pos)
            if m is None and c.isdigit():
                m = match_addr(text, pos)  # a street address starting with its number
        else:
            m = _OTHER_AT[c].match(text, pos)
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
