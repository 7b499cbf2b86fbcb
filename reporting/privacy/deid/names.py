"""Finding people's names in a narrative: seeds, then extension, then recurrence.

The steps, each a function below:

1. seeds from cues and the name list (:mod:`.seeds`);
2. extension of each seed over adjacent name-like words, initials and particles
   (``Mary-Jane van der Berg``), rightwards and leftwards until nothing changes;
3. a capitalised unknown word joined to a name by "and"/"or" is a name, and a word found
   as a name once is a name wherever it recurs capitalised;
4. runs of consecutive name words become spans, except runs an eponym follower shows to
   be a thing (``Baxter pump``).

Words inside identifiers already replaced are barriers: no name runs across them.
"""

from __future__ import annotations

from itertools import compress

from .context import _NameContext
from .cues import (
    _DETERMINERS,
    _EPONYM_FOLLOWERS,
    _LOCATION_WORDS,
    _ROLES,
    _SUBJECT_VERBS,
    _TITLES,
)
from .initials import _DOTTED_INITIALS
from .name_list import NameLists
from .name_model import given_like, surname_like
from .name_shapes import NOT_RECURRING, PRODUCT_CODE, extends_left
from .occupancy import _Occupancy
from .person_cues import CLAUSE_OPENERS, month_named
from .seeds import _plant_seeds
from .tokens import (
    _ends_possessive,
    _ends_sentence,
    _is_initial,
    _mask_identifiers,
    _tokens,
    _Words,
)
from .vocabulary import _AMBIGUOUS, _COMMON, _PARTICLES
from .word_names import PRONOUN_AFTER, THING_AFTER, seed_word_names


def _find_names(
    text: str, occupied: _Occupancy, lists: NameLists, words: _Words | None = None
) -> list[tuple[int, int, str]]:
    """Spans of the names in ``text``, as (start, end, "NAME"), in text order; ``words``
    are its :func:`.tokens._tokens` if already cut (its tokens are changed in place)."""
    if words is None:
        words = _tokens(text)
    toks = words.toks
    if not toks:
        return []
    _mask_identifiers(words, occupied.starts, occupied.ends)
    ctx = _NameContext(text, words, lists)
    _plant_seeds(ctx)
    seed_word_names(ctx)
    _extend_seeds(ctx)
    caps = [i for i in ctx.where("cap") if not toks[i].upper]
    _join_coordinated(ctx, caps)
    _mark_recurrences(ctx, caps)
    _lower_case_recurrences(ctx)
    return _name_spans(ctx)


# ------------------------------------------------------------------------ extension


def _extend_seeds(ctx: _NameContext) -> None:
    """Grow names over adjacent name words, right over the tokens in order and left in
    reverse (so a long run is one pass), until a pass changes nothing."""
    is_name = ctx.is_name
    n = ctx.n
    changed = True
    while changed:
        changed = False
        # compress reads is_name as it goes, so a word marked just ahead is visited too
        for i in compress(range(n), is_name):
            if _extends_right(ctx, i):
                is_name[i + 1] = True
                changed = True
        for i in compress(range(n - 1, 0, -1), reversed(is_name)):
            if extends_left(ctx, i):
                is_name[i - 1] = True
                changed = True


def _extends_right(ctx: _NameContext, i: int) -> bool:
    """Whether the word after name word i continues the name: an initial before a
    capitalised word, a particle before one ('van der'), a capitalised word that is not
    vocabulary, or a listed word in the same case as the name ('OKAFOR', 'okafor')."""
    toks, n = ctx.toks, ctx.n
    j = i + 1
    if not (
        j < n
        and not ctx.is_name[j]
        and ctx.adjacent(i, j)
        and not _ends_possessive(toks[i])
        and not _ends_sentence(toks[i])
    ):
        return False
    nt = toks[j]
    if _is_initial(nt) and j + 1 < n and ctx.name_like_cap(j + 1, True):
        return True
    if toks[i].cap and nt.text[:3].lower() in ("al-", "el-") and nt.text[3:4].isupper():
        return True  # "Dr Khalid al-Hashimi"
    if nt.cap and nt.key in ("van", "văn", "thi", "thị") and j + 1 < n and toks[i].cap:
        nn = ctx.word(j + 1)
        if nn is not None and nn.cap and ctx.adjacent(j, j + 1):
            return True  # a Vietnamese middle name: "Nguyen Van An", "Tran Thi Mai"
    if nt.alpha and nt.key in _PARTICLES and not nt.upper and j + 1 < n:
        k = j + 1  # "van der Berg", "de la Fuente": particles, then the name
        if k + 1 < n and toks[k].key in _PARTICLES and toks[k].lower and ctx.adjacent(j, k):
            j, k = k, k + 1
        nn = ctx.word(k)
        return bool(nn is not None and nn.cap and ctx.adjacent(j, k)
                    and (nn.key not in _COMMON or given_like(nn.key)))  # fmt: skip
    if nt.cap and not nt.upper:
        if ctx.is_start(j) or nt.key in _TITLES or nt.key in _LOCATION_WORDS:
            return False
        if nt.key not in _ROLES and (nt.key not in _COMMON or nt.key in ctx.lists.raw):
            return True
        return _surname_after_name(ctx, i, j)
    if nt.upper and toks[i].upper:
        return ctx.is_known(nt.key) and nt.key not in _COMMON
    if nt.lower and toks[i].lower:
        return ctx.lower_name(j) and nt.key in ctx.lists.surnames
    return False


def _surname_after_name(ctx: _NameContext, i: int, j: int) -> bool:
    """'Elaine Porter', 'Mark Bell', 'Will Turner': after a capitalised given name, a
    common surname is part of the name even when it is also a word or a role, unless what
    follows shows a thing ('Porter lodge')."""
    toks = ctx.toks
    if not (toks[i].cap and surname_like(toks[j].key)) or ctx.eponym_context(j):
        return False
    after = ctx.word(j + 1)
    return after is None or not ctx.adjacent(j, j + 1) or after.key not in THING_AFTER


# ----------------------------------------------------------------------- recurrence


def _join_coordinated(ctx: _NameContext, caps: list[int]) -> None:
    """'Okafor and Bell': a capitalised unknown word joined by "and"/"or"/"&"/"nor" to a
    name is a name too."""
    toks, n, is_name = ctx.toks, ctx.n, ctx.is_name
    for i in caps:
        t = toks[i]
        if is_name[i] or t.key in _COMMON or t.key in _ROLES or t.key in _TITLES:
            continue
        if (
            ctx.is_start(i)
            or t.key in _LOCATION_WORDS
            or ctx.eponym_context(i)
            or ctx.after_article(i)
        ):
            continue
        for a, b in ((i - 2, i - 1), (i + 2, i + 1)):
            if (
                0 <= a < n
                and is_name[a]
                and toks[b].text in ("and", "or", "&", "nor")
                and ctx.adjacent(min(a, b), max(a, b))
                and ctx.adjacent(min(i, b), max(i, b))
            ):
                is_name[i] = True
                break


def _mark_recurrences(ctx: _NameContext, caps: list[int]) -> None:
    """A word found as a name anywhere is a name everywhere it recurs capitalised; an
    everyday word found as a name once ('HCA, Precious') only mid-sentence or as the
    subject of a verb."""
    toks, is_name = ctx.toks, ctx.is_name
    known = {toks[i].key for i in compress(range(ctx.n), is_name) if toks[i].alpha}
    known -= NOT_RECURRING
    for i in caps:
        key = toks[i].key
        if is_name[i] or key not in known or ctx.eponym_context(i) or ctx.after_article(i):
            continue
        if month_named(ctx, i):
            continue  # "since April", though April on the ward is a person
        if key in _COMMON or key in _AMBIGUOUS:
            nxt = ctx.word(i + 1)
            acting = (
                nxt is not None
                and ctx.adjacent(i, i + 1)
                and (nxt.key in _SUBJECT_VERBS or nxt.lower and nxt.key not in PRONOUN_AFTER)
            )
            if ctx.is_start(i) and not acting:
                continue
        is_name[i] = True


# ---------------------------------------------------------------------------- spans


def _name_spans(ctx: _NameContext) -> list[tuple[int, int, str]]:
    """Runs of consecutive name words as spans, ending before a possessive 's or a full
    stop (but keeping an initial's or a title's); an untitled, uncued run followed by an
    eponym follower ('Jackson Rees circuit', 'Baxter pump') is a thing, not a person."""
    toks, n, is_name = ctx.toks, ctx.n, ctx.is_name
    found: list[tuple[int, int, str]] = []
    after = 0  # the first word after the last run
    for i in compress(range(n), is_name):
        if i < after:
            continue
        j = i
        while (
            j + 1 < n
            and is_name[j + 1]
            and ctx.adjacent(j, j + 1)
            and not _ends_possessive(toks[j])
            and not _ends_sentence(toks[j])
        ):
            j += 1
        after = j + 1
        if i == j and PRODUCT_CODE.fullmatch(toks[i].text):
            continue  # "Sando-K", "Slow-K": a product, whatever cue came before it
        nxt = ctx.word(j + 1)
        if (
            nxt is not None
            and nxt.key in _EPONYM_FOLLOWERS
            and ctx.adjacent(j, j + 1)
            and not any(k in ctx.titled for k in range(i, j + 1))
            and not ctx.cued[i]
            and (j == i or nxt.key not in _LOCATION_WORDS)
        ):
            continue  # an eponym, not a person
        last, last_end = toks[j], ctx.ends[j]
        end = ctx.starts[j] + last.base_len  # before a possessive 's or a full stop
        dotted = "." in last.text and _DOTTED_INITIALS.match(last.text) is not None
        if end < last_end and last.text.endswith(".") and not _is_initial(last) and not dotted:
            pass  # a full stop after a name ends the sentence: it stays
        elif _is_initial(last) or dotted or (last.key.rstrip(".") in _TITLES):
            end = last_end
        found.append((ctx.starts[i], end, "NAME"))
    return found


def _lower_case_recurrences(ctx: _NameContext) -> None:
    """A lower-case word found as a name once is a name where it recurs opening a clause
    ("my mentor grace wasnt on … grace wd never let that happen"), but not after a
    determiner or before a thing ("no grace period")."""
    toks, is_name = ctx.toks, ctx.is_name
    found = {toks[i].key for i in compress(range(ctx.n), is_name) if toks[i].lower}
    if not found:
        return
    for i, t in enumerate(toks):
        if is_name[i] or not t.lower or t.key not in found:
            continue
        prv, nxt = ctx.word(i - 1), ctx.word(i + 1)
        if prv is not None and (prv.key in _DETERMINERS or prv.key in ("for", "of")):
            continue
        if nxt is not None and nxt.key in THING_AFTER:
            continue
        if ctx.is_start(i) or (prv is not None and prv.key in CLAUSE_OPENERS):
            is_name[i] = True
