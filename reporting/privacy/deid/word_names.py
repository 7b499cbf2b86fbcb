"""Names that are also words, lower-case names and patients' initials, from the name model.

The cue rules (:mod:`.seeds`) know titles, roles and reporting verbs. Reporters also write
"Rose (HCA) found the pt", "Grace from outreach", "Will and I were alone", "me and
Precious", "i asked bill on the desk", "Pt J.S., 67M" and "between TR and DH". Each function
here marks such words in the context; :mod:`.names` then extends them over surnames and
their recurrences like any other seed.

The same words as words stay: "temp rose to 38.9", "the grace of God", "Will someone...",
"no joy from the site team", "her Yasmin pill". What tells them apart is case, position and
the words beside them, never the word alone.
"""

from __future__ import annotations

from .context import _NameContext
from .cues import (
    _DETERMINERS,
    _LOCATION_WORDS,
    _OBJECT_VERBS,
    _PLACE_PRECEDERS,
    _ROLES,
    _SPEECH_VERBS,
    _TITLE_PREFIX,
)
from .initials import initials_name, recurring_initials
from .kin_cues import general_statement, kin_cued
from .name_model import given_like, probable_name, surname_like, unknown_word, word_first
from .person_cues import (
    _ACTS,
    _PERSON_FOLLOWERS,
    _TEAMS,
    _WEEKDAYS,
    CLAUSE_OPENERS,
    acting_subject,
    from_team,
    month_named,
    opens_clause,
    placed_person,
    role_after_possessive,
    role_bracketed,
    signed,
    starts_clause,
)
from .vocabulary import _words

# Words after which a capitalised given name is a thing: "Amber alert", "her Yasmin pill".
THING_AFTER = _words(
    """alert alerts pill pills tablet tablets brand cream gel spray inhaler patch drops bag
    bags box chair chairs bed beds mattress hoist hoists bay bays ward wards unit team teams
    room rooms suite wing house centre center building lodge level floor case cases code
    codes protocol pathway bundle form forms score scale chart charts sheet sheets line
    lines tube tubes"""
)
SIGN_OFFS = _words("regards wishes thanks cheers sincerely faithfully love")
PRONOUN_AFTER = _words(
    """someone somebody anyone anybody you we they he she it i there this that these those
    the a an all everyone everybody nobody no one your our their his her my its"""
)


def seed_word_names(ctx: _NameContext) -> None:
    """Mark given names written as words, lower-case names and patients' initials."""
    toks, is_name = ctx.toks, ctx.is_name
    initials: set[str] = set()
    for i in ctx.where("nameish"):  # the words the name model may make names
        if is_name[i]:
            continue
        t = toks[i]
        if t.cap and not t.upper and len(t.key) > 1:
            if _capitalised_name(ctx, i):
                is_name[i] = True
        elif t.lower and _lower_case_name(ctx, i):
            is_name[i] = True
        elif t.upper and initials_name(ctx, i):
            is_name[i] = True
            initials.add(t.key)
        elif t.upper and len(t.key) > 2 and given_like(t.key) and signed(ctx, i):
            is_name[i] = True  # "I don't know what else to say. JEN"
    if initials:
        recurring_initials(ctx, initials)


def _capitalised_name(ctx: _NameContext, i: int) -> bool:
    """'Rose (HCA) found', 'called Grace from outreach', 'Faith did the ECG'."""
    key = ctx.toks[i].key
    if key in _LOCATION_WORDS or key in _PLACE_PRECEDERS or key in SIGN_OFFS:
        return False
    if key in _TEAMS or key in _WEEKDAYS or month_named(ctx, i):
        return False
    if kin_cued(ctx, i):  # "daughter Harmony", "Liberty's partner", "Layla's team"
        ctx.cued[i] = True  # as a role's cue: "team" after it names no thing
        return True
    if ctx.eponym_context(i):
        return False
    if not given_like(key) and not probable_name(key):
        if given_like(key, strong_cue=True):
            return _strong_cue(ctx, i) or _capital_pair(ctx, i) or acting_subject(ctx, i)
        if unknown_word(key):
            return _strong_cue(ctx, i) or _capital_pair(ctx, i)
        # a surname that is also a word, placed by what follows: "Archer from the
        # recovery team", "Reed on security had to help"
        return surname_like(key) and (from_team(ctx, i) or placed_person(ctx, i))
    nxt, prv = ctx.word(i + 1), ctx.word(i - 1)
    if nxt is not None and nxt.key in THING_AFTER and ctx.adjacent(i, i + 1):
        return False
    if prv is not None and prv.key in _DETERMINERS and ctx.adjacent(i - 1, i):
        return False
    if _strong_cue(ctx, i):
        return True
    if prv is not None and prv.key in ("in", "near") and not probable_name(key):
        return False  # "in Sydney", "near Florence": a place
    if not starts_clause(ctx, i):
        return not word_first(key) or _person_after(ctx, i) or _surname_next(ctx, i)
    if nxt is None or not ctx.adjacent(i, i + 1) or nxt.key in PRONOUN_AFTER:
        return False
    if _surname_next(ctx, i) and (_person_after(ctx, i + 1) or _bracketed_role(ctx, i + 1)):
        return True  # "Mark Bell said so.", "Jim Baker (porter) told me"
    return _person_after(ctx, i)


def _surname_next(ctx: _NameContext, i: int) -> bool:
    """'by Will Turner': a given name followed by a capitalised surname is a full name."""
    nxt = ctx.word(i + 1)
    return bool(
        nxt is not None
        and ctx.adjacent(i, i + 1)
        and nxt.cap
        and not nxt.upper
        and surname_like(nxt.key)
        and nxt.key not in _LOCATION_WORDS
        and not ctx.eponym_context(i + 1)
    )


def _strong_cue(ctx: _NameContext, i: int) -> bool:
    """Cues only a person fits: 'X (HCA)', 'X and I', 'X, one of our...', 'X from IT',
    a sign-off ('Kind regards, X')."""
    if _bracketed_role(ctx, i) or _coordinated(ctx, i) or _appositive(ctx, i):
        return True
    if role_bracketed(ctx, i) or role_after_possessive(ctx, i) or signed(ctx, i):
        return True
    toks = ctx.toks
    if i >= 2 and toks[i - 1].text == "," and toks[i - 2].key in SIGN_OFFS:
        return True
    if i >= 3 and toks[i - 1].text == "," and toks[i - 2].key == "charge":
        return toks[i - 3].key == "in"  # "the nurse in charge, ros, said"
    return from_team(ctx, i) or placed_person(ctx, i)


def _appositive(ctx: _NameContext, i: int) -> bool:
    """'Rich, one of our technicians', 'Stella, who is a band 2', 'Aminata, the HCA'."""
    toks, n = ctx.toks, ctx.n
    if i + 2 >= n or toks[i + 1].text != ",":
        return False
    after = toks[i + 2].key
    if after in ("who", "one", "his", "her", "their"):
        return True
    if after in ("the", "our", "my", "a", "an") and i + 3 < n:
        return any(toks[k].key in _ROLES for k in range(i + 3, min(i + 6, n)))
    return False


def _person_after(ctx: _NameContext, i: int) -> bool:
    """The word after a name-like word shows a person: a verb of acting or speaking, or
    'from outreach', 'on nights'."""
    nxt = ctx.word(i + 1)
    if nxt is None or not ctx.adjacent(i, i + 1) or not nxt.lower:
        return False
    if general_statement(ctx, i):  # "Patience is not a staffing model"
        return False
    if nxt.key in _ACTS or nxt.key in _SPEECH_VERBS:
        return nxt.key != "and" or _coordinated(ctx, i)
    if nxt.key in _PERSON_FOLLOWERS:
        after = ctx.word(i + 2)
        return after is not None and after.key in _TEAMS
    return not word_first(ctx.toks[i].key) and len(nxt.key) > 4 and nxt.key.endswith("ed")


def _bracketed_role(ctx: _NameContext, i: int) -> bool:
    """'Rose (HCA)', 'Sam (agency RN)'."""
    toks = ctx.toks
    if i + 2 >= ctx.n or toks[i + 1].text != "(":
        return False
    return any(
        toks[k].key in _ROLES or toks[k].key in _TITLE_PREFIX
        for k in range(i + 2, min(i + 5, ctx.n))
    )


def _beside_me(ctx: _NameContext, i: int, me: tuple[str, ...]) -> bool:
    """'Will and I', 'me and Precious': a name joined by 'and' to the writer."""
    toks = ctx.toks
    if i + 2 < ctx.n and toks[i + 1].text.lower() in _AND and toks[i + 2].text.lower() in me:
        return True
    return i >= 2 and toks[i - 1].text.lower() in _AND and toks[i - 2].text.lower() in me


_AND = frozenset({"and", "n", "&"})  # "me n jess" as text-speak writes it


def _coordinated(ctx: _NameContext, i: int) -> bool:
    """'Will and I', 'me and Precious', 'Joy, Hope and Faith', 'Blessing and Comfort'."""
    if _beside_me(ctx, i, ("i", "me", "myself")):
        return True
    toks, n = ctx.toks, ctx.n
    for j in (i + 2, i - 2):
        between = toks[(i + j) // 2].text.lower() if 0 <= j < n else ""
        if 0 <= j < n and between in ("and", ",", "&") and _name_word(ctx, j):
            return True
    return False


def _coordinated_with_me(ctx: _NameContext, i: int) -> bool:
    """'me and will', 'jess and i', or joined to a name already found ('sue and precious')."""
    if _beside_me(ctx, i, ("i", "me")):
        return True
    toks, n = ctx.toks, ctx.n
    after_and = i + 2 < n and toks[i + 1].text.lower() == "and" and ctx.is_name[i + 2]
    return after_and or (i >= 2 and toks[i - 1].text.lower() == "and" and ctx.is_name[i - 2])


def _name_word(ctx: _NameContext, j: int) -> bool:
    t = ctx.toks[j]
    return ctx.is_name[j] or (
        t.alpha and t.cap and not t.upper and (given_like(t.key) or probable_name(t.key))
    )


def _lower_case_name(ctx: _NameContext, i: int) -> bool:
    """'i asked bill on the desk', 'bill did chase', 'me and will', 'charge nurse tom'."""
    key = ctx.toks[i].key
    if not (given_like(key) or given_like(key, True)):  # most words: decided at once
        return False
    prv, nxt = ctx.word(i - 1), ctx.word(i + 1)
    if not given_like(key):
        cued = from_team(ctx, i) or _strong_cue(ctx, i) or _role_after(ctx, i)
        return cued and not (prv is not None and prv.key in _DETERMINERS)
    if prv is not None and (prv.key in _DETERMINERS or prv.key in ("for", "of")):
        return False
    if _role_after(ctx, i) and (given_like(key, True) or surname_like(key)):
        return True
    if _coordinated_with_me(ctx, i) or _lower_pair(ctx, i):
        return True
    if prv is not None and prv.key == "me" and ctx.adjacent(i - 1, i) and not word_first(key):
        return True
    if _bracketed_role(ctx, i) and opens_clause(ctx, i):
        return True  # "will (my mentor) said", even for a word that is first a word
    if word_first(key):
        return False
    if _bracketed_role(ctx, i) or _appositive(ctx, i):
        return True
    if prv is not None and prv.key in _OBJECT_VERBS and ctx.adjacent(i - 1, i):
        return nxt is None or nxt.key not in ("for", "about", "to", "if", "whether", "that")
    opens = prv is None or ctx.is_start(i) or prv.key in CLAUSE_OPENERS
    if _person_after(ctx, i) and opens:
        return True
    return _strong_cue(ctx, i) and nxt is not None and nxt.key == "from"


def _lower_pair(ctx: _NameContext, i: int) -> bool:
    """'will and jess are the fy1s': two given names joined by 'and', then a verb."""
    toks, n = ctx.toks, ctx.n
    for a, b in ((i, i + 2), (i - 2, i)):
        if a < 0 or b + 1 >= n or toks[a + 1].text != "and":
            continue
        first, second = toks[a], toks[b]
        if not (first.lower and second.lower and given_like(first.key) and given_like(second.key)):
            continue
        if word_first(first.key) and word_first(second.key):
            continue
        verb = ctx.word(b + 1)
        if verb is not None and (verb.key in _ACTS or verb.key in ("are", "were")):
            return True
    return False


def _capital_pair(ctx: _NameContext, i: int) -> bool:
    """'Sione and Kai were the two RNs': capitalised words joined by 'and', then a verb."""
    toks, n = ctx.toks, ctx.n
    for a, b in ((i, i + 2), (i - 2, i)):
        if a < 0 or b + 1 >= n or toks[a + 1].text != "and":
            continue
        if not all(toks[k].cap and not toks[k].upper for k in (a, b)):
            continue
        if not all(unknown_word(toks[k].key) or given_like(toks[k].key, True) for k in (a, b)):
            continue
        verb = ctx.word(b + 1)
        if verb is not None and verb.lower and (verb.key in _ACTS or verb.key in ("are", "were")):
            return True
    return False


def _role_after(ctx: _NameContext, i: int) -> bool:
    """'park the reg said': a name, then 'the' and a role."""
    toks, n = ctx.toks, ctx.n
    if i + 2 >= n or toks[i + 1].text != "the":
        return False
    return any(toks[k].key in _ROLES for k in range(i + 2, min(i + 4, n)))
