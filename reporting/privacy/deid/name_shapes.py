"""What a word's own shape says about whether it can be part of a person's name.

"Sando-K" is named as products are, "Big" and "Doc" begin nicknames ("Big Kev", "Doc Mo"),
and a capitalised word the lexicon does not know may begin a name at a sentence start
("Thavaseelan Kandiah") unless it looks like an English verb, adverb or plural
("Overheard Tom", "Visited Mrs Hale", "Regards Sam"). A common word begins a name only
in a name's shape: a surname before a hyphenated Korean given name ("Park Min-jun"), a
given name right after a role ("Charge RN Sky Delgado"). :mod:`.names` asks these while it
grows names leftwards and cuts them.
"""

from __future__ import annotations

import re

from .context import _NameContext
from .cues import _LOCATION_WORDS, _PLACE_PRECEDERS, _ROLES, _TITLES
from .name_model import (
    CUED_GIVEN_SCORE,
    given_like,
    given_score,
    rare_word_name,
    surname_like,
    unknown_word,
    word_first,
)
from .tokens import _ends_possessive, _ends_sentence, _is_initial
from .vocabulary import _AMBIGUOUS, _COMMON, _PARTICLES
from .word_names import SIGN_OFFS

# A word and a one-character suffix, as products are named ("Sando-K"); names are not.
PRODUCT_CODE = re.compile(r"[A-Z][a-z]+-[A-Z0-9][.,]?")
# Words a nickname puts before a given name: "Big Kev", "Little Steve", "Doc Mo".
NICKNAME_WORDS = frozenset({"big", "little", "wee", "young", "old", "doc"})
_ENGLISH_ENDINGS = ("ed", "ing", "ly", "s", "rd", "wards")
# A Korean given name as romanised: two syllables joined by a hyphen ("Min-jun", "Seo-yeon").
_HYPHENED_GIVEN = re.compile(r"[A-Z][a-z]{1,4}-[a-z]{2,5}")


def unknown_given(key: str) -> bool:
    """A word the lexicon does not know that does not look like an English verb, adverb or
    plural ("Overheard", "Visited", "Regards" before a name open a sentence; "Thavaseelan"
    and "Sione" begin the name)."""
    return unknown_word(key) and not key.endswith(_ENGLISH_ENDINGS) and key not in SIGN_OFFS


# words a name found once does not make names where they recur
NOT_RECURRING = frozenset(_ROLES | _PARTICLES | set(_TITLES))


def common_word_begins(ctx: _NameContext, k: int, i: int) -> bool:
    """Whether capitalised word k, a common English word, begins the name that word i
    (k + 1) is part of: a surname before a hyphenated given name ("Park Min-jun"), or a
    given name right after a role ("Charge RN Sky Delgado")."""
    prv = ctx.toks[k]
    if _HYPHENED_GIVEN.fullmatch(ctx.toks[i].text) and surname_like(prv.key):
        return True
    role = ctx.word(k - 1)
    return (
        role is not None
        and role.key in _ROLES
        and ctx.adjacent(k - 1, k)
        and given_score(prv.key) >= CUED_GIVEN_SCORE
    )


def extends_left(ctx: _NameContext, i: int) -> bool:
    """Whether the capitalised word before capitalised name word i begins the name
    ('Priya Okafor' from 'Okafor'); at a sentence start only if it is a listed name."""
    toks = ctx.toks
    k = i - 1
    prv = toks[k]
    if prv.key in NICKNAME_WORDS and prv.cap and not ctx.is_name[k] and toks[i].cap:
        return ctx.adjacent(k, i)  # "Big Kev", "Little Steve", "Doc Mo"
    if k >= 1 and _is_initial(prv) and toks[k - 1].key in _LOCATION_WORDS:
        return False  # "in bay D. Ioana and I": the bay's letter, then a sentence
    return (
        k >= 0
        and not ctx.is_name[k]
        and ctx.adjacent(k, i)
        and prv.cap
        and not prv.upper
        and (prv.key not in _COMMON or prv.key in _AMBIGUOUS or common_word_begins(ctx, k, i))
        and prv.key not in _ROLES
        and prv.key not in _TITLES
        and prv.key not in _PLACE_PRECEDERS
        and prv.key not in _LOCATION_WORDS
        and not _ends_possessive(prv)
        and not _ends_sentence(prv)
        and (
            not ctx.is_start(k)
            or ctx.is_known(prv.key)
            or common_word_begins(ctx, k, i)
            or rare_word_name(prv.key)
            or unknown_given(prv.key)  # "Thavaseelan Kandiah asked", "Sione Faleolo from"
            or (given_like(prv.key) and not word_first(prv.key))  # "Ken MacLeod on the desk"
        )
        and toks[i].cap
    )
