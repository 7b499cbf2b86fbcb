"""One narrative's words as the name rules see them, and the questions they ask about a word.

The rules look at a word's neighbours: is it at the start of a sentence, is it separated
from the next word by plain spaces only, does an eponym follower or a place word show it
names a thing. ``_NameContext`` answers those questions and holds what the rules have
decided so far (which words are names, which were found from a role cue, which name runs
start with a title), so each rule can be a small function of the context.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress
from operator import attrgetter

from .cues import _EPONYM_FOLLOWERS, _LOCATION_WORDS, _PLACE_PRECEDERS, _ROLES, _TITLES
from .name_list import NameLists
from .name_model import NOT_NAMES, given_like, word_first
from .tokens import _Tok, _Words
from .vocabulary import _AMBIGUOUS, _COMMON

# Two-letter words that end a sentence with their full stop ("leave it. dan is nice"),
# unlike initials and abbreviations ("J.", "St.").
_SHORT_SENTENCE_ENDS = frozenset(
    ["it", "me", "us", "up", "in", "on", "do", "go", "so", "no", "ok", "to", "be"]
)


class _NameContext:
    """The tokens of one narrative, the name lists, and the rules' findings so far."""

    __slots__ = ("text", "toks", "starts", "ends", "n", "lists", "is_name", "cued", "titled")

    def __init__(self, text: str, words: _Words, lists: NameLists) -> None:
        self.text = text
        self.toks, self.starts, self.ends = words
        self.n = len(self.toks)
        self.lists = lists
        self.is_name = [False] * self.n
        self.cued = [False] * self.n  # found from a role cue
        self.titled: set[int] = set()  # first token of a run that a title introduced

    def is_known(self, key: str) -> bool:
        """A word from the bundled name list, unless the name model knows it as a thing."""
        return self.lists.is_known(key) and key not in NOT_NAMES

    def where(self, flag: str) -> Iterator[int]:
        """Indices of the tokens whose ``flag`` field is true, in order; the test runs in C,
        so a pass that needs only a few words does not pay for every word."""
        return compress(range(self.n), map(attrgetter(flag), self.toks))

    def word(self, i: int) -> _Tok | None:
        """Token i if it exists and is a word, so neighbours can be tested in one step."""
        toks = self.toks
        return toks[i] if 0 <= i < self.n and toks[i].alpha else None

    def is_start(self, i: int) -> bool:
        """Token i begins a sentence, a line or a list item."""
        if i == 0:
            return True
        p = self.toks[i - 1]
        if "\n" in self.text[self.ends[i - 1] : self.starts[i]]:
            return True
        if not p.alpha:
            return p.text in '.!?:;•*-–—("“'
        return (
            p.text.endswith(".")
            and p.key not in _TITLES
            and (len(p.key) > 2 or p.key in _SHORT_SENTENCE_ENDS)
        )

    def adjacent(self, i: int, j: int) -> bool:
        """toks i and j (j = i+1) separated by plain spaces only."""
        gap = self.text[self.ends[i] : self.starts[j]]
        return 0 < len(gap) <= 3 and gap.isspace() and "\n" not in gap

    def eponym_context(self, i: int) -> bool:
        """'Parkinson disease', 'St Mary': the word names a thing or a place, not a person."""
        t = self.toks[i]
        nxt = self.word(i + 1)
        if nxt is not None and nxt.key in _EPONYM_FOLLOWERS and self.adjacent(i, i + 1):
            return True
        prv = self.word(i - 1)
        same_case = prv is not None and (prv.cap and t.cap or prv.lower and t.lower)
        return bool(same_case and prv.key.rstrip(".") in _PLACE_PRECEDERS and
                    self.adjacent(i - 1, i))  # fmt: skip

    def after_article(self, i: int) -> bool:
        """'a Hickman', 'the McGrath': a thing named after someone, not a person."""
        prv = self.word(i - 1)
        nxt = self.word(i + 1)
        if nxt is not None and nxt.key in ("family", "household", "twins"):
            return False  # "the Hassan family" names people
        return (
            prv is not None
            and prv.text in ("a", "an", "the", "A", "An", "The")
            and self.adjacent(i - 1, i)
        )

    def name_like_cap(self, i: int, allow_common: bool = False) -> bool:
        """A capitalised word that could be (part of) a name: not a title, place word or
        eponym, and (unless ``allow_common``) not everyday vocabulary or a role."""
        t = self.word(i)
        if t is None or not t.cap or t.upper and not self.is_known(t.key):
            return False
        if t.key in _TITLES or t.key in _LOCATION_WORDS or self.eponym_context(i):
            return False
        if t.key in _COMMON and not allow_common:
            return False
        return not (t.key in _ROLES and not allow_common)

    def lower_name(self, i: int) -> bool:
        """A listed name written in lower or upper case ('told by nurse okafor')."""
        t = self.word(i)
        return bool(
            t is not None
            and (t.lower or t.upper)
            and (t.key not in _COMMON or given_like(t.key) and not word_first(t.key))
            and (t.key not in _AMBIGUOUS or given_like(t.key) and not word_first(t.key))
            and t.key not in _ROLES
            and (self.is_known(t.key) or given_like(t.key) and not word_first(t.key))
        )
