"""Cutting a narrative into words for the name rules, with per-word features cached.

Each word becomes a ``_Tok`` carrying what the rules ask about it (folded key,
capitalisation, whether it can start a rule). Features depend only on the word's text,
so they are computed once per distinct word and cached across narratives.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .cues import _ROLES, _TITLE_PREFIX, _TITLES
from .name_list import _fold, _load_names

_WORD_RE = re.compile(
    r"[^\W\d_]+(?:['’\-][^\W\d_]+|\.[^\W\d_](?![^\W\d_]))*\.?|\[[A-Z]+\]|\d+|\S", re.UNICODE
)
# A grade with its number is one word ("FY1", "ct2", "PGY-3"), so it can cue a name.
_GRADE_HEADS = frozenset({"fy", "f", "ct", "st", "pgy"})
_GRADE_TAIL = re.compile(r"-?\d(?![\d\w])")


_FEATURES: dict[str, tuple] = {}
# lower-case words that can start a name rule (names themselves are checked separately)
_TRIGGERS = frozenset(_TITLES) | _ROLES | _TITLE_PREFIX | {t.rstrip(".") for t in _TITLES}


def _features(text: str) -> tuple:
    """(base length, key, alpha, cap, upper, lower, trig) of a word, cached by its text;
    the base drops a trailing full stop and a possessive 's."""
    f = _FEATURES.get(text)
    if f is not None:
        return f
    base = text
    if base.endswith("."):
        base = base[:-1]
    if base[-2:].lower() in ("'s", "’s") and len(base) > 2:
        base = base[:-2]
    alpha = bool(base) and base[0].isalpha()
    key = _fold(base)
    cap = alpha and base[0].isupper()
    f = (
        len(base),
        key,
        alpha,
        cap,
        alpha and base.isupper() and len(base) > 1,
        alpha and base[0].islower(),
        alpha and (cap or key in _TRIGGERS or key in _load_names().given),
    )
    if len(_FEATURES) > 50_000:
        _FEATURES.clear()
    _FEATURES[text] = f
    return f


class _Tok(NamedTuple):
    """A word or punctuation mark of the narrative, with the features the name rules use."""

    text: str
    start: int
    end: int
    base_end: int  # end without a possessive 's or a trailing full stop
    key: str  # folded base, for list look-ups
    alpha: bool
    cap: bool
    upper: bool
    lower: bool
    trig: bool  # capitalised, or a title/role word, or a given name: may start a name rule


_new_tuple = tuple.__new__


def _tokens(text: str) -> list[_Tok]:
    """The words, tokens, numbers and punctuation marks of ``text``, in order."""
    feats = _FEATURES
    out = []
    append = out.append
    skip = 0
    for m in _WORD_RE.finditer(text):
        s, e = m.span()
        if s < skip:
            continue  # the number of a grade, already part of it
        g = m.group()
        if len(g) <= 3 and g.lower() in _GRADE_HEADS:
            tail = _GRADE_TAIL.match(text, e)
            if tail is not None:
                e = skip = tail.end()
                g = text[s:e]
        f = feats.get(g) or _features(g)
        append(_new_tuple(_Tok, (g, s, e, s + f[0], *f[1:])))
    return out


def _is_initial(t: _Tok) -> bool:
    """'J' or 'J.': an initial, which may stand inside a name."""
    s = t.text
    return len(s) in (1, 2) and s[0].isupper() and s[0].isalpha() and (len(s) == 1 or s[1] == ".")


def _ends_sentence(t: _Tok) -> bool:
    """A word with a full stop that is not an initial or a title: a name cannot run on."""
    return t.text.endswith(".") and not _is_initial(t) and t.key not in _TITLES


def _ends_possessive(t: _Tok) -> bool:
    """A possessive ("Smith's"): a name ends there, whatever follows."""
    return t.base_end < t.end and not t.text.endswith(".")
