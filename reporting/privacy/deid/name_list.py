"""The bundled list of given names and surnames, loaded once and folded for look-ups.

The list (``data/names.txt``, sections headed by comment lines naming "given" or
"surname") seeds names that have no cue. Words that are ordinary vocabulary or name
particles are dropped from it, but every entry is kept in ``raw`` so that a listed word
can still extend a name found another way.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .vocabulary import _COMMON, _PARTICLES, _SHORT_NAMES

_NAMES_FILE = Path(__file__).with_name("data") / "names.txt"


def _fold(word: str) -> str:
    """Lower-case and strip diacritics, for list look-ups."""
    word = word.casefold().replace("’", "'")
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@dataclass(frozen=True)
class NameLists:
    """The folded name list: given names, surnames, and every entry before filtering."""

    given: frozenset[str]
    surnames: frozenset[str]
    raw: frozenset[str]

    def is_known(self, key: str) -> bool:
        """A listed given name or surname, or a hyphenated name with a listed part."""
        return key in self.given or key in self.surnames or self._hyphen_known(key)

    def _hyphen_known(self, key: str) -> bool:
        """'Smith-Okafor': a double-barrelled name counts when a part is listed and no
        part is an everyday word (other than the particles 'al' and 'el')."""
        if "-" not in key:
            return False
        parts = [p for p in key.split("-") if p]
        if len(parts) < 2 or any(p in _COMMON and p not in ("al", "el") for p in parts):
            return False
        return any(p in self.given or p in self.surnames for p in parts)


@lru_cache(maxsize=1)
def _load_names() -> NameLists:
    """Read the bundled list once per process; a missing file means no listed names."""
    given: set[str] = set()
    surnames: set[str] = set()
    raw: set[str] = set()
    target = given
    try:
        lines = _NAMES_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if "given" in line.lower():
                target = given
            elif "surname" in line.lower():
                target = surnames
            continue
        key = _fold(line)
        raw.add(key)
        if key in _COMMON or key in _PARTICLES:
            continue
        if len(key) < 3 and key not in _SHORT_NAMES:
            continue
        target.add(key)
    return NameLists(frozenset(given), frozenset(surnames), frozenset(raw))
