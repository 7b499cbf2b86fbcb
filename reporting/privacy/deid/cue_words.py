"""The cue words before a structured identifier ("MRN", "bleep", "at", "aged", a month),
and where they stand inside a word.

:func:`.structured._candidates` tries the combined pattern at each cue word that a number
follows. The words are whole runs of lower-case ASCII letters, so each lies inside one
token of :mod:`.tokens`; a token's cue words depend only on its text and are cached with
its other features, which spares a regex scan of the whole narrative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .vocabulary import _words

# cue word -> how it must be followed: "n" = by a number, "w" = a digit within 72 chars
_CUES: dict[str, str] = dict.fromkeys(
    _words(
        """at by around about approx approximately from until till til between and to after
        before since january february march april may june july august september october november
        december jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur
        thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday aged age
        ages"""
    ),
    "n",
)
_CUES.update(
    dict.fromkeys(
        _words(
            """nhs mrn hospital staff employee patient record case unit account insurance
            badge member payroll registration reference ref ur urn cr health healthcard ssn
            sin chi medicare pas agency datix incident complaint bed-card bedcard bed id
            aadhaar ohip nhi eprf prf bleep pager page ext extension tel dect phone mobile
            cell bleeped paged rang called phoned she he they pt lady man woman gentleman
            gent mum dad mother father husband wife resident grandmother grandfather nan
            grandma grandad flat apt apartment suite"""
        ),
        "w",
    )
)
_BUILDING = {"court", "house", "lodge", "mansions", "tower", "building", "heights"}


def _word_alternation(words: Iterable[str]) -> str:
    """An alternation grouped by first letter, which the regex engine tries much faster."""
    groups: dict[str, list[str]] = {}
    for w in sorted(set(words), key=lambda w: (-len(w), w)):
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    return "|".join(f"{k}(?:{'|'.join(v)})" for k, v in sorted(groups.items()))


# cue and building words as whole lower-case words (same segmentation as [a-z]+)
_CUE_WORD = re.compile(
    r"(?<![a-z])(?:" + _word_alternation(list(_CUES) + list(_BUILDING)) + r")(?![a-z])"
)


def cue_need(word: str) -> str:
    """How a cue word must be followed (see :data:`_CUES`), or "b" for a building word."""
    return _CUES.get(word, "b")


def cue_words_in(word: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, :func:`cue_need`) of each cue or building word in a token's text, in
    order; the same matches :data:`_CUE_WORD` finds there in the whole lower-cased
    narrative, since no token starts or ends next to a lower-case letter of another.
    What follows a cue is looked up here, once per distinct word, not per narrative."""
    return tuple(
        (m.start(), m.end(), cue_need(m.group())) for m in _CUE_WORD.finditer(word.lower())
    )
