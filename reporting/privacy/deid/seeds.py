"""Seeds: the words the name rules are sure of before any name is extended.

A word becomes a seed from a cue — a title before it (``Dr Okafor``, the title joins the
name), a role word before it (``the registrar, Ahmed``; the role stays), a reporting verb
beside it (``Priya said``, ``told Priya``), an apposition (``Sam the HCA``) — or from the
bundled name list when nothing shows it is an eponym or a thing. Each cue is one function
of the :class:`_NameContext`; :func:`_plant_seeds` tries them word by word.
"""

from __future__ import annotations

from .context import _NameContext
from .cues import (
    _DETERMINERS,
    _EPONYM_FOLLOWERS,
    _LOCATION_WORDS,
    _MODIFIERS,
    _OBJECT_VERBS,
    _ROLES,
    _SPEECH_VERBS,
    _TALK_VERBS,
    _TITLE_PREFIX,
    _TITLES,
)
from .name_model import GIVEN_SCORE, given_score, surname_like
from .tokens import _is_initial, _Tok
from .vocabulary import _AMBIGUOUS, _COMMON, _PARTICLES, _SHORT_NAMES

_PLACES_BUT_WARD = _LOCATION_WORDS - {"ward"}  # "Sister Ward" may be a name
# Words that make a phrasal verb of the lower-case word before them ("drew up", "rang back").
_PARTICLES_AFTER_VERB = frozenset({"up", "down", "out", "off", "back", "away"})


def _plant_seeds(ctx: _NameContext) -> None:
    """Mark every word a cue or the name list makes a name, left to right (a title or
    role marks the word after it, which is then skipped)."""
    is_name = ctx.is_name
    n = ctx.n
    toks = ctx.toks
    for i in ctx.where("trig"):  # only the words a seed rule can act on
        if is_name[i]:
            continue
        t = toks[i]
        tk = t.text.lower().rstrip(",")
        if tk in _TITLES and i + 1 < n:
            _seed_after_title(ctx, i, t, tk)
        elif _is_role_cue(ctx, i, t):
            _seed_after_role(ctx, i, t)
        elif _bare_seed(ctx, i, t):
            is_name[i] = True


# --------------------------------------------------------------------------- titles


def _seed_after_title(ctx: _NameContext, i: int, t: _Tok, tk: str) -> None:
    """'Dr Okafor', 'Charge Nurse Adebayo': the title and the name after it are one name
    (the title goes inside the token), unless the title is used as a role."""
    strong = _TITLES[tk]
    first = _title_first(ctx, i, t, tk, strong)
    if first is None:  # "my charge nurse tom", "the bank nurse Sue": the title is a role
        _seed_after_role(ctx, i, t)
        return
    j = i + 1
    if not ctx.adjacent(i, j) or not _follows_title(ctx, i, t, tk, strong):
        return
    is_name = ctx.is_name
    is_name[first] = True
    ctx.titled.add(first)
    for k in range(first, j):
        is_name[k] = True
    is_name[j] = True


def _title_first(ctx: _NameContext, i: int, t: _Tok, tk: str, strong: bool) -> int | None:
    """Where a titled name starts: at the title, or at a prefix such as 'Charge' before
    'Nurse'. None when a weak title is a role ('the nurse', 'student nurse X')."""
    toks = ctx.toks
    first = i
    prv = ctx.word(i - 1)
    determined = False
    if prv is not None and ctx.adjacent(i - 1, i) and not strong and not prv.text.endswith("."):
        if (
            tk in ("nurse", "sister", "doctor")
            and prv.key in _TITLE_PREFIX
            and prv.cap
            and not prv.upper
            and t.cap
        ):
            first = i - 1  # "Charge Nurse Adebayo": the title goes in the token
        elif prv.upper or prv.key in _MODIFIERS or prv.key in _TITLE_PREFIX:
            determined = True  # "student nurse X", "RRT nurse X": a role
    k = first - 1
    while k >= 0 and k >= first - 4 and toks[k].alpha and ctx.adjacent(k, k + 1):
        if toks[k].text.endswith("."):
            break
        if toks[k].key in _DETERMINERS:
            determined = True
            break
        if not (toks[k].upper or toks[k].key in _MODIFIERS):
            break
        k -= 1
    if determined and not strong:
        return None
    return first


def _follows_title(ctx: _NameContext, i: int, t: _Tok, tk: str, strong: bool) -> bool:
    """Whether the word after title ``t`` is a name: an initial, or a word whose case
    and vocabulary fit the title (a strong title accepts more)."""
    toks, n = ctx.toks, ctx.n
    j = i + 1
    nt = toks[j]
    if ctx.text[ctx.ends[j] : ctx.ends[j] + 1].isdigit():
        return False  # "Sister FY1s": a grade or code, not a name
    if _is_initial(nt):
        return True
    if not nt.alpha:
        return False
    ok = False
    if t.upper and tk.rstrip(".") in ("mr", "ms", "dr", "sr"):
        ok = nt.upper and nt.key not in _COMMON and nt.key not in _ROLES
    elif nt.cap and not nt.upper:
        ok = (
            strong
            or (nt.key not in _COMMON and nt.key not in _ROLES)
            or nt.key in _AMBIGUOUS
            or surname_like(nt.key)
        ) and nt.key not in _PLACES_BUT_WARD
        if nt.key in _TITLES:
            ok = False
    elif nt.upper:
        ok = nt.key not in _COMMON and nt.key not in _ROLES
    elif nt.lower:
        ok = (
            nt.key not in _COMMON
            and nt.key not in _ROLES
            and nt.key not in _AMBIGUOUS
            and (strong or ctx.is_known(nt.key))
            and (not t.lower or strong or ctx.is_known(nt.key))
        )
        if tk in ("miss",) and not ctx.is_known(nt.key):
            ok = False
    if nt.key in _PARTICLES and not nt.cap:
        k = j
        while k < n and toks[k].alpha and toks[k].key in _PARTICLES:
            k += 1
        ok = k < n and toks[k].cap and k - j <= 3
    if (
        not ok
        and strong
        and nt.cap
        and not t.upper
        and nt.key in _TITLES
        and not ctx.name_like_cap(j + 1)
        and not (j + 1 < n and toks[j + 1].text.startswith("["))
    ):
        ok = True  # a strong title before a title-like word no name follows: a surname
    return ok


# ---------------------------------------------------------------------------- roles


def _is_role_cue(ctx: _NameContext, i: int, t: _Tok) -> bool:
    """A role word ('registrar', 'my colleague'), or a prefix before one ('ward manager')."""
    if t.key in _ROLES:
        return True
    if t.key not in _TITLE_PREFIX:
        return False
    nxt = ctx.word(i + 1)
    return bool(nxt and nxt.key in _ROLES)


def _seed_after_role(ctx: _NameContext, i: int, t: _Tok) -> None:
    """'the registrar, Ahmed': the word after a role word (and an optional comma, on the
    same line) is a name if it looks like one; the role word itself stays."""
    toks, n = ctx.toks, ctx.n
    j = i + 1
    if t.text.endswith("."):
        return
    if j < n and toks[j].text == ",":
        j += 1
    if j >= n or not toks[j].alpha or toks[j].key in _TITLES:
        return
    if "\n" in ctx.text[ctx.ends[j - 1] : ctx.starts[j]]:
        return
    key = toks[j].key
    if toks[j].lower and j + 1 < n and toks[j + 1].key in _PARTICLES_AFTER_VERB:
        return  # "the anaesthetic fellow, drew up the dose": a verb and its particle
    cap_name = toks[j].cap and (key in _AMBIGUOUS or given_score(key) >= GIVEN_SCORE)
    if ctx.name_like_cap(j) or cap_name or ctx.lower_name(j):
        ctx.is_name[j] = True
        ctx.cued[j] = True


# ------------------------------------------------------------------ lists and verbs


def _bare_seed(ctx: _NameContext, i: int, t: _Tok) -> bool:
    """A word with no title or role before it: a name from the list, or from a verb cue."""
    listed = _listed_seed(ctx, i, t)
    return listed if listed is not None else _verb_cued(ctx, i, t)


def _listed_seed(ctx: _NameContext, i: int, t: _Tok) -> bool | None:
    """True for a word from the bundled name list, capitalised and not an eponym or a
    thing after an article, or a lower-case given name no eponym follower comes after.
    False for a listed word too short to trust, which no verb cue may take either; None
    when the list has no say."""
    key = t.key
    if t.cap and not t.upper and ctx.is_known(key) and key not in _AMBIGUOUS:
        if len(key) <= 2 and key not in _SHORT_NAMES:
            return False
        if not ctx.eponym_context(i) and not ctx.after_article(i):
            return True
    if t.lower and key in ctx.lists.given and key not in _AMBIGUOUS and len(key) > 3:
        prv = ctx.word(i - 1)
        if prv is not None and prv.key in _DETERMINERS or ctx.eponym_context(i):
            return None  # "a robin", "st thomas'"
        nxt = ctx.word(i + 1)
        if not (nxt is not None and nxt.key in _EPONYM_FOLLOWERS):
            return True
    return None


def _verb_cued(ctx: _NameContext, i: int, t: _Tok) -> bool:
    """'Priya said', 'told Priya', 'spoke to Priya', 'Priya the HCA': a capitalised word
    that is not everyday vocabulary (or is an ambiguous given name) beside a verb cue."""
    key = t.key
    if not (t.cap and not t.upper and len(key) > 1 and (key not in _COMMON or key in _AMBIGUOUS)):
        return False
    if key in _ROLES or key in _TITLES or key in _LOCATION_WORDS or ctx.eponym_context(i):
        return False
    toks = ctx.toks
    nxt = ctx.word(i + 1)
    prv = ctx.word(i - 1)
    if (
        nxt is not None
        and nxt.key in _SPEECH_VERBS
        and ctx.adjacent(i, i + 1)
        and not t.text.endswith(".")  # "Gave Lucozade. Rang his daughter": two sentences
        and (not ctx.is_start(i) or key in _AMBIGUOUS)
    ):
        return True
    if prv is not None and prv.text.endswith("."):
        prv = None  # "nobody to hand over to. Ended up …": the cue ended its sentence
    if prv is not None and prv.key in _OBJECT_VERBS and ctx.adjacent(i - 1, i):
        return True
    if (
        prv is not None
        and prv.key in ("to", "with")
        and ctx.adjacent(i - 1, i)
        and i >= 2
        and toks[i - 2].key in _TALK_VERBS
        and ctx.adjacent(i - 2, i - 1)
    ):
        return True
    return not t.text.endswith(".") and len(key) > 1 and _apposition(toks, i, ctx.n)


def _apposition(toks: list[_Tok], i: int, n: int) -> bool:
    """'X the HCA', 'X, the new ward manager', 'X is a great nurse'"""
    j = i + 1
    if j < n and toks[j].text == ",":
        j += 1
    if j < n and toks[j].text in ("is", "was") and j == i + 1:
        j += 1
        if j >= n or toks[j].text not in ("the", "a", "an", "our", "my"):
            return False
    elif j >= n or toks[j].text != "the":
        return False
    for k in range(j + 1, min(j + 4, n)):
        if toks[k].key in _ROLES:
            return True
        if not toks[k].alpha or toks[k].key in ("was", "is", "had", "has", "and", "of"):
            return False
    return False
