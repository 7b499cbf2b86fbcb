"""Where the combined pattern of :mod:`.structured` is tried: its candidate positions.

Trying the pattern at every position of a narrative is slow, and almost every position
fails at once; an identifier starts at a number (or a sign, bracket or upper-case code
just before it) or at a cue word a number follows. This module finds those positions
from the digit runs and the tokens' cached cue words, and rules out the street-address
fallback at a number by two character tests, so fewer regex calls are made in vain.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import compress
from operator import attrgetter, itemgetter

from .cue_words import _CUE_WORD, cue_need
from .tokens import _Words

_DIGIT_RUN = re.compile(r"\d\d*")  # as \d+, but the engine finds the first digit faster
_ASCII_DIGIT_RUN = re.compile(r"[0-9][0-9]*")  # the same runs in ASCII text, found faster

_NEXT_DIGIT = re.compile(r"\s*:?\s*(?:the\s+)?\d")  # cue directly before a number
# After the cue and at most one space, _NEXT_DIGIT needs a digit (str.isdecimal is \d), or
# more white space, a colon or "the" before one: anything else rules the cue out.
_NEXT_FIRST = frozenset(":t")
_CUES_OF = attrgetter("cues")
_END = itemgetter(1)


def digit_runs(text: str) -> list[tuple[int, int]]:
    """The spans of the runs of digits in ``text``, found once for the passes that need
    them (:func:`_candidates`, and the long-digit safety net)."""
    pattern = _ASCII_DIGIT_RUN if text.isascii() else _DIGIT_RUN
    return [m.span() for m in pattern.finditer(text)]


def _cue_positions(low: str, words: _Words | None) -> list[tuple[int, int, str]]:
    """(start, end, :func:`.cue_words.cue_need`) of each cue word in the text, in order:
    from the cue words the tokens (:mod:`.tokens`) carry if given, which spares scanning
    the whole text and looking each word up again."""
    if words is None:
        return [(m.start(), m.end(), cue_need(m.group())) for m in _CUE_WORD.finditer(low)]
    toks = words.toks
    return [
        (t_start + a, t_start + b, need)
        for t, t_start in compress(zip(toks, words.starts, strict=True), map(_CUES_OF, toks))
        for a, b, need in t.cues
    ]


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
            if not ("A" <= ch <= "Z" or ch.isspace() or ch in "+(@x-"):
                continue  # after ':', '/', '.', a small letter ...: nothing below adds
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
    _cue_candidates(low, runs, words, add)
    cands.sort()
    return cands


def _cue_candidates(
    low: str, runs: list[tuple[int, int]], words: _Words | None, add: Callable[[int], None]
) -> None:
    """Add the cue words a number follows (a building word: the name before it)."""
    run_ends = list(map(_END, runs))
    n_runs = len(runs)
    next_digit = _NEXT_DIGIT.match
    for start, e, need in _cue_positions(low, words):
        if need == "n":
            c = low[e : e + 1]
            if c == " ":  # the usual one space: what follows it decides most cues at once
                c = low[e + 1 : e + 2]
            if c.isdecimal() or (
                (c in _NEXT_FIRST or c.isspace()) and next_digit(low, e) is not None
            ):
                add(start)
        elif need == "w":  # a digit within 72 characters: the first run ending after e
            i = bisect_right(run_ends, e)
            if i < n_runs and runs[i][0] < e + 72:
                add(start)
        elif start >= 2:  # a building word
            k = start - 1
            while k >= 0 and low[k].isspace():
                k -= 1
            while k >= 0 and low[k].isalpha():
                k -= 1
            add(k + 1)


_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _may_be_address(text: str, pos: int, run_end: int | None) -> bool:
    """Whether a street address can start at the digit run ``pos``..``run_end``: the
    address branch needs at most four digits there, then an optional ASCII letter and
    comma, white space and a capital (``\\d{1,4}[A-Za-z]?,?\\s+[A-Z]``, case-sensitive),
    and with anything else its match fails; most numbers in a narrative ("bed 4",
    "11/02", "30 mL") are ruled out by a few character tests instead of a regex call.
    Not at a run start: tried (None)."""
    if run_end is None:
        return True
    if run_end - pos > 4:
        return False
    j = run_end
    n = len(text)
    if j < n and text[j] in _ASCII_LETTERS:
        j += 1
    if j < n and text[j] == ",":
        j += 1
    if not (j < n and text[j].isspace()):
        return False
    j += 1
    while j < n and text[j].isspace():
        j += 1
    return j < n and "A" <= text[j] <= "Z"
