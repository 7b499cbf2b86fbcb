"""Patients' initials: "Pt J.S., 67M", "initials KM", "between TR and DH", "JW bed 1".

Dotted initials are a name wherever they stand (but "U.K.", "a.m."). Undotted capitals are
far more often clinical shorthand (ED, MI, NBM), so they are a patient's initials only after
a patient cue or before a bed, and then wherever they recur or are joined to others.
"""

from __future__ import annotations

from .context import _NameContext
from .initial_words import _ABBREVIATIONS, _DOTTED_INITIALS, may_be_initials
from .vocabulary import _words

_PATIENT_CUES = _words("pt pts patient patients initials mr mrs ms miss between about bed")


def initials_name(ctx: _NameContext, i: int) -> bool:
    """'Pt J.S.', 'initials KM', 'between TR and DH', 'JW bed 1'."""
    t = ctx.toks[i]
    if not may_be_initials(t.text, t.key):
        return False
    if "." in t.text and _DOTTED_INITIALS.match(t.text):
        return True
    prv, nxt = ctx.word(i - 1), ctx.word(i + 1)
    if prv is not None and prv.key in _PATIENT_CUES and ctx.adjacent(i - 1, i):
        return True
    return bool(nxt is not None and nxt.key == "bed" and ctx.adjacent(i, i + 1))


def recurring_initials(ctx: _NameContext, initials: set[str]) -> None:
    """Initials found once are initials wherever they recur, and so are capitals joined to
    them ('between TR and DH')."""
    toks, is_name = ctx.toks, ctx.is_name
    for i, t in enumerate(toks):
        if is_name[i] or not t.upper or t.key in _ABBREVIATIONS:
            continue
        joined = len(t.key) in (2, 3) and t.text.isalpha() and _joined_to_initials(ctx, i)
        if t.key in initials or joined:
            is_name[i] = True


def _joined_to_initials(ctx: _NameContext, i: int) -> bool:
    toks, n = ctx.toks, ctx.n
    for j, between in ((i - 2, i - 1), (i + 2, i + 1)):
        if (
            0 <= j < n
            and ctx.is_name[j]
            and toks[j].upper
            and toks[between].text
            in (
                "and",
                ",",
                "&",
                "or",
            )
        ):
            return True
    return False
