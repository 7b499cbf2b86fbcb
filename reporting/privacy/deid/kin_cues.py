"""Cues that a capitalised word is a person because of whom it is said to belong to.

"Pt's daughter Harmony kept calling", "Liberty's partner refused to leave", "to Layla's
team in ICU", "Per Thangavel, the dispensary had none": a relative named right after the
word for the relation, a possessive before a relative or a team, and a source quoted with
"per". Words that are also ordinary vocabulary ("Harmony", "Liberty") need such a cue, and
these are cues only a person fits. A general statement about an abstract noun ("Patience
is not a staffing model", "Hope does not fill a rota") is the opposite: no person is
meant. :mod:`.word_names` asks these.
"""

from __future__ import annotations

from .context import _NameContext
from .cues import _LOCATION_WORDS, _PLACE_PRECEDERS, _ROLES, _TITLES
from .lexicon import lookup
from .name_model import NOT_NAMES, unknown_word
from .tokens import _ends_possessive
from .vocabulary import _words

# Relatives named by a word for the relation: "daughter Harmony", "her husband Frank".
_RELATIVES = _words(
    """daughter son wife husband partner mum mam mom mother dad father brother
    granddaughter grandson niece nephew boyfriend girlfriend fiance fiancé fiancee
    stepdaughter stepson stepmum stepdad"""
)
# What a person has, after a possessive: "Liberty's partner", "Layla's team".
_BELONGINGS = _RELATIVES | _words("family kids children team mentor carer")
# After "is not", the words of a saying ("Patience is not a staffing model").
_SAYING_AFTER = _words("a an enough always everything optional infinite free")
# A word of everyday English this common is, in "X is not …", the noun, not a person.
_WORD_SCORE = 40


def kin_cued(ctx: _NameContext, i: int) -> bool:
    """Whether a relation, a possessive or "per" says capitalised word i is a person."""
    t = ctx.toks[i]
    if t.key in _ROLES or t.key in _TITLES or t.key in _LOCATION_WORDS:
        return False
    return _relative_named(ctx, i) or _possessive_person(ctx, i) or _per_source(ctx, i)


def _relative_named(ctx: _NameContext, i: int) -> bool:
    """'Pt's daughter Harmony', 'her husband Frank' (no comma between)."""
    prv = ctx.word(i - 1)
    return (
        prv is not None
        and prv.key in _RELATIVES
        and prv.lower
        and prv.text.isalpha()  # not "son." or "wife's"
        and ctx.adjacent(i - 1, i)
        and not _ends_possessive(ctx.toks[i])
    )


def _possessive_person(ctx: _NameContext, i: int) -> bool:
    """'Liberty's partner', 'Layla's team in ICU'; not a condition or a place named
    after someone ("Parkinson's team", "St Mary's team")."""
    t, nxt = ctx.toks[i], ctx.word(i + 1)
    if nxt is None or nxt.key not in _BELONGINGS or not nxt.lower or t.key in NOT_NAMES:
        return False
    prv = ctx.word(i - 1)
    if prv is not None and prv.key.rstrip(".") in _PLACE_PRECEDERS:
        return False
    return _ends_possessive(t) and ctx.adjacent(i, i + 1)


def _per_source(ctx: _NameContext, i: int) -> bool:
    """'Per Thangavel, the dispensary…': a source named with "per", then a comma, and a
    word English does not have (not "Per protocol," nor "Per Trust policy")."""
    prv = ctx.word(i - 1)
    nxt = ctx.toks[i + 1] if i + 1 < ctx.n else None
    return (
        prv is not None
        and prv.key == "per"
        and ctx.adjacent(i - 1, i)
        and nxt is not None
        and nxt.text == ","
        and unknown_word(ctx.toks[i].key)
    )


def general_statement(ctx: _NameContext, i: int) -> bool:
    """'Patience is not a staffing model', 'Hope does not fill a rota': a common English
    word, then "is not" or "does not": a saying about the thing, not news of a person."""
    toks, n = ctx.toks, ctx.n
    if i + 3 >= n or toks[i + 1].key not in ("is", "does") or toks[i + 2].key != "not":
        return False
    if toks[i + 1].key == "is" and toks[i + 3].key not in _SAYING_AFTER:
        return False  # "Grace is not on the rota today"
    scores = lookup(toks[i].key)
    return scores is not None and scores.word >= _WORD_SCORE
