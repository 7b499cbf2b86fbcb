"""Cutting a narrative into words for the name rules, with per-word features cached.

Each word becomes a ``_Tok`` carrying what the rules ask about it (folded key,
capitalisation, whether it can start a rule). Features depend only on the word's text,
so one ``_Tok`` is made per distinct word and cached across narratives, and every
occurrence of the word shares it; where each occurrence stands is kept apart, in the
parallel ``starts`` and ``ends`` lists of :class:`_Words`. The cut of each
space-separated chunk is cached the same way, so cutting a narrative is a split on
spaces, dict look-ups and a running sum of lengths, all loops in C, with no regex scan
of the whole text and no object made per word: a narrative has hundreds of words, and
scanning and making a tuple for each was the largest single cost of scrubbing.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate, chain, compress, islice
from operator import itemgetter
from typing import NamedTuple

from .cue_words import cue_words_in
from .cues import _LOCATION_WORDS, _PLACE_PRECEDERS, _ROLES, _TITLE_PREFIX, _TITLES
from .initial_words import may_be_initials
from .name_list import _fold, _load_names
from .name_model import NOT_NAMES, given_like, probable_name, surname_like, unknown_word
from .vocabulary import _AMBIGUOUS, _COMMON

_WORD_RE = re.compile(
    r"[^\W\d_]+(?:['’\-][^\W\d_]+|\.[^\W\d_](?![^\W\d_]))*\.?|\[[A-Z]+\]|\d+|\S", re.UNICODE
)
# A grade with its number is one word ("FY1", "ct2", "PGY-3"), so it can cue a name.
_GRADE_HEADS = frozenset({"fy", "f", "ct", "st", "pgy"})
_GRADE_TAIL = re.compile(r"-?\d(?![\d\w])")
# The words of _WORD_RE and the runs of white space between them: together they cover
# the text, so running lengths give every word's offsets. A word never contains white
# space and _WORD_RE matches at every other character, so its words are exactly those.
_PIECE_RE = re.compile(r"\s+|" + _WORD_RE.pattern, re.UNICODE)


# lower-case words that can start a name rule (names themselves are checked separately)
_TRIGGERS = frozenset(_TITLES) | _ROLES | _TITLE_PREFIX | {t.rstrip(".") for t in _TITLES}


class _Tok(NamedTuple):
    """A word or punctuation mark, with the features the name rules use. They depend
    only on its text, so one is shared by every occurrence (see :class:`_Heads`)."""

    text: str
    key: str  # folded base, for list look-ups
    alpha: bool
    cap: bool
    upper: bool
    lower: bool
    trig: bool  # a title, role or listed word, or a capitalised one: may start a seed rule
    nameish: bool  # the name model may make it a name with no cue (see .word_names)
    cues: tuple[tuple[int, str], ...]  # cue words of structured identifiers, by offset
    base_len: int  # length without a possessive 's or a trailing full stop


class _Words(NamedTuple):
    """A narrative's tokens in order, and where each starts and ends in the text."""

    toks: list[_Tok]
    starts: list[int]
    ends: list[int]


def _head(text: str) -> _Tok:
    """The ``_Tok`` of a word; the base drops a trailing full stop and a possessive 's."""
    base = text
    if base.endswith("."):
        base = base[:-1]
    if base[-2:].lower() in ("'s", "’s") and len(base) > 2:
        base = base[:-2]
    alpha = bool(base) and base[0].isalpha()
    key = _fold(base)
    cap = alpha and base[0].isupper()
    upper = alpha and base.isupper() and len(base) > 1
    lower = alpha and base[0].islower()
    return _Tok(
        text,
        key,
        alpha,
        cap,
        upper,
        lower,
        alpha
        and (cap or key in _TRIGGERS or key in _load_names().given)
        and _may_seed(text, key, cap, upper, lower),
        alpha and _nameish(text, key, cap, upper, lower),
        cue_words_in(text),
        len(base),
    )


def _may_seed(text: str, key: str, cap: bool, upper: bool, lower: bool) -> bool:
    """Whether :func:`.seeds._plant_seeds` can act on a word with these features: a
    title, a role cue, a listed name or a word a verb cue may make a name. Most words are
    none of these, whatever their neighbours, and the pass skips them."""
    if text.lower().rstrip(",") in _TITLES or key in _ROLES or key in _TITLE_PREFIX:
        return True
    lists = _load_names()
    if cap and not upper:  # see seeds._listed_seed and seeds._verb_cued
        if lists.is_known(key) and key not in NOT_NAMES and key not in _AMBIGUOUS:
            return True
        return (
            len(key) > 1
            and (key not in _COMMON or key in _AMBIGUOUS)
            and key not in _TITLES
            and key not in _LOCATION_WORDS
        )
    return lower and key in lists.given and key not in _AMBIGUOUS and len(key) > 3


def _nameish(text: str, key: str, cap: bool, upper: bool, lower: bool) -> bool:
    """Whether :func:`.word_names.seed_word_names` can make a word with these features a
    name: every word it would reject whatever its neighbours is rejected here once, so
    the pass only looks at the few words that may be names."""
    if key in _TITLES or key in _ROLES:
        return False
    if cap and not upper and len(key) > 1:  # see word_names._capitalised_name
        if key in _LOCATION_WORDS or key in _PLACE_PRECEDERS:
            return False
        return (
            given_like(key)
            or probable_name(key)
            or given_like(key, True)
            or unknown_word(key)
            # "Archer from the recovery team": only with such a cue, and never "We"
            or (surname_like(key) and (key not in _COMMON or key in _AMBIGUOUS))
        )
    if lower:  # see word_names._lower_case_name
        return given_like(key) or given_like(key, True)
    return upper and may_be_initials(text, key)  # see initials.initials_name


class _Heads(dict):
    """Tokens by word text, made on first sight and kept across narratives (a dict hit
    is far cheaper than recomputing the features of a common word); None for a run of
    white space, which is no token."""

    def __missing__(self, text: str) -> _Tok | None:
        if len(self) > 50_000:
            self.clear()
        head = self[text] = None if text.isspace() else _head(text)
        return head


_HEADS = _Heads()


class _Chunks(dict):
    """Each chunk of text between two spaces, cut on first sight (see :func:`_cut`) and
    kept across narratives as the tokens of its pieces (None for white space) and the
    pieces' lengths, the space after it included: most chunks are a common word, and a
    dict hit is far cheaper than a scan, or than looking up each piece again."""

    def __missing__(self, chunk: str) -> tuple[tuple[_Tok | None, ...], tuple[int, ...]]:
        if len(self) > 50_000:
            self.clear()
        pieces = (*_cut(chunk), " ")
        cut = self[chunk] = (tuple(map(_HEADS.__getitem__, pieces)), tuple(map(len, pieces)))
        return cut


_CHUNKS = _Chunks()
_HEADS_OF = itemgetter(0)
_LENGTHS_OF = itemgetter(1)
# Where a grade may follow its head ("FY1", "PGY-3"): the head ends in f, t or y.
_GRADE_HINT = re.compile(r"[fFtTyY]-?\d")


def _tokens(text: str) -> _Words:
    """The words, tokens, numbers and punctuation marks of ``text``, in order."""
    # the pieces of the text, and one space too many at the end
    cuts = list(map(_CHUNKS.__getitem__, text.split(" ")))
    heads = list(chain.from_iterable(map(_HEADS_OF, cuts)))  # a _Tok is truthy, space None
    # bounds[k]: where piece k starts
    bounds = list(accumulate(chain.from_iterable(map(_LENGTHS_OF, cuts)), initial=0))
    return _Words(
        list(filter(None, heads)),
        list(compress(bounds, heads)),
        list(compress(islice(bounds, 1, None), heads)),
    )


def _cut(chunk: str) -> list[str]:
    """The words of a chunk and the runs of white space between them, with a grade and
    its number made one word ("FY1", "PGY-3"). A chunk cuts as it would in place: no word
    or grade contains white space, and a look-ahead at the chunk's end sees a non-letter
    either way. Grades are joined right to left so earlier indices stay valid; each hint
    ends a head at its first character."""
    pieces = _PIECE_RE.findall(chunk)
    for m in reversed(list(_GRADE_HINT.finditer(chunk))):
        q = m.start()
        bounds = list(accumulate(map(len, pieces), initial=0))
        i = bisect_right(bounds, q) - 1  # the word holding q
        head = pieces[i]
        if bounds[i + 1] != q + 1 or len(head) > 3 or head.lower() not in _GRADE_HEADS:
            continue
        tail = _GRADE_TAIL.match(chunk, q + 1)
        if tail is None:
            continue
        j = bisect_left(bounds, tail.end(), lo=i + 1)
        pieces[i:j] = [chunk[bounds[i] : tail.end()]]
    return pieces


_new_tuple = tuple.__new__
_NO_FLAGS = (False,) * 6  # alpha, cap, upper, lower, trig, nameish: a masked word is none
_MASKED: dict[str, _Tok] = {}  # masked tokens by text: made once, as the unmasked ones are


def _mask_identifiers(words: _Words, span_starts: list[int], span_ends: list[int]) -> None:
    """Blank the words inside identifiers already found (the sorted, disjoint spans
    given), so the name rules see barriers rather than name material. Each span finds
    its first word by bisection, so the cost is the words masked, not the words of the
    narrative."""
    toks, starts, ends = words
    n = len(toks)
    for start, end in zip(span_starts, span_ends, strict=True):
        i = bisect_right(ends, start)  # the first word ending after the start
        while i < n and starts[i] < end:
            t = toks[i]
            if t.text != "\x00":  # not masked already (by a kept string in the same word)
                toks[i] = _MASKED.get(t.text) or _masked(t)
            i += 1


def _masked(t: _Tok) -> _Tok:
    """The masked form of ``t``: no text, no features and no cue words."""
    if len(_MASKED) > 50_000:
        _MASKED.clear()
    masked = _MASKED[t.text] = _new_tuple(_Tok, ("\x00", t.key, *_NO_FLAGS, (), t.base_len))
    return masked


def _is_initial(t: _Tok) -> bool:
    """'J' or 'J.': an initial, which may stand inside a name."""
    s = t.text
    return len(s) in (1, 2) and s[0].isupper() and s[0].isalpha() and (len(s) == 1 or s[1] == ".")


def _ends_sentence(t: _Tok) -> bool:
    """A word with a full stop that is not an initial or a title: a name cannot run on."""
    return t.text.endswith(".") and not _is_initial(t) and t.key not in _TITLES


def _ends_possessive(t: _Tok) -> bool:
    """A possessive ("Smith's"): a name ends there, whatever follows."""
    return t.base_len < len(t.text) and not t.text.endswith(".")
