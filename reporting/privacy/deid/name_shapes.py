"""What a word's own shape says about whether it can be part of a person's name.

"Sando-K" is named as products are, "Big" and "Doc" begin nicknames ("Big Kev", "Doc Mo"),
and a capitalised word the lexicon does not know may begin a name at a sentence start
("Thavaseelan Kandiah") unless it looks like an English verb, adverb or plural
("Overheard Tom", "Visited Mrs Hale", "Regards Sam"). :mod:`.names` asks these while it
grows and cuts names.
"""

from __future__ import annotations

import re

from .cues import _ROLES, _TITLES
from .name_model import unknown_word
from .vocabulary import _PARTICLES
from .word_names import SIGN_OFFS

# A word and a one-character suffix, as products are named ("Sando-K"); names are not.
PRODUCT_CODE = re.compile(r"[A-Z][a-z]+-[A-Z0-9][.,]?")
# Words a nickname puts before a given name: "Big Kev", "Little Steve", "Doc Mo".
NICKNAME_WORDS = frozenset({"big", "little", "wee", "young", "old", "doc"})
_ENGLISH_ENDINGS = ("ed", "ing", "ly", "s", "rd", "wards")


def unknown_given(key: str) -> bool:
    """A word the lexicon does not know that does not look like an English verb, adverb or
    plural ("Overheard", "Visited", "Regards" before a name open a sentence; "Thavaseelan"
    and "Sione" begin the name)."""
    return unknown_word(key) and not key.endswith(_ENGLISH_ENDINGS) and key not in SIGN_OFFS


# words a name found once does not make names where they recur
NOT_RECURRING = frozenset(_ROLES | _PARTICLES | set(_TITLES))
