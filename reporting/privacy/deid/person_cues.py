"""What the words around a word say about it: a person acting, placed or named by role.

"Ruby on the ward stopped it", "Bill from finance told me", "Sterling started CPR", "a B7
(Marsha)": a word that may be a name is one when what follows shows someone working or
acting, and is not when it shows a month ("since April") or a day. The word rules in
:mod:`.word_names` ask these; each looks only at the tokens beside the word.
"""

from __future__ import annotations

import re

from .context import _NameContext
from .cues import _ROLES, _SPEECH_VERBS
from .name_model import given_like
from .vocabulary import _words

# Words after which a lower-case name can start a clause: "because dawn said".
CLAUSE_OPENERS = _words(
    """and but so because cos coz when then until while whilst if that said told after before
    though although as"""
)
# Words after a sentence-initial given name that show a person acting.
_ACTS = _words(
    """was is had has did does went came found saw stayed sat took gave held helped ran rang
    called checked spotted noticed swapped picked put kept told asked said says thought
    knew wanted tried refused agreed arrived left looked wrote did didn't wasn't couldn't
    can't won't would could should will might must also then always never just had
    handed hands escalated covered caught did stopped started gets got goes comes does
    keeps makes made says needs needed and"""
)
_PERSON_FOLLOWERS = _words("from on off at in with")
# Nouns that end the name of a team after one or two words: "the night team", "the
# hospital ambulance liaison", "the registrar rota".
_TEAM_NOUNS = _words("team teams service liaison office desk rota department dept crew shift")
# Where someone works, after "on the", "in the", "from": "Ruby on the ward stopped it".
_WORKPLACES = _words(
    """ward wards office desk floor unit reception finance hr payroll admin rota bureau
    governance education management"""
)
# Verbs only a person does, after a word that may be a name: "Jenifer told me" (not
# "Friday came": arriving, staying and trying are done by days and things too).
_PERSON_VERBS = _words(
    """said says told asked replied shouted explained insisted refused agreed rang phoned
    emailed texted messaged wrote yelled screamed suggested mentioned warned promised
    snapped complained bleeped paged prescribed administered checked spotted noticed
    escalated handed helped kept swore apologised apologized"""
)
# After "is"/"was", what only a person is doing: "Sky was leading the restraint".
_PERSON_DOING = _words(
    """leading doing giving covering helping asking telling shouting screaming crying
    holding restraining documenting prescribing checking refusing insisting"""
)
# After "started"/"stopped", words that show weather or time, not a person acting.
_NOT_AN_OBJECT = _words("at around about again raining snowing early late")
_WEEKDAYS = _words("monday tuesday wednesday thursday friday saturday sunday")
_MONTHS = _words(
    "january february march april may june july august september october november december"
)
_MONTH_PRECEDERS = _words(
    """since in until till by from of before after last next early mid late during through
    throughout end start beginning"""
)
_TEAMS = _words(
    """outreach nights days lates earlies pharmacy theatres theatre radiology ed ae a&e amu
    ccu icu itu hdu resus majors minors maternity labour recovery bank agency physio physios
    portering estates security switchboard it ot rt ir ct mri discharge site flow transport
    dispensary lab labs bloods phlebotomy cardiology renal ortho orthopaedics gastro surgery
    medicine neuro palliative pain stroke frailty ambulance control admissions night day
    late early weekend respiratory"""
)
_GRADE = re.compile(r"(?:b|band|fy|f|ct|st|pgy-?)\d")


def starts_clause(ctx: _NameContext, i: int) -> bool:
    """A sentence start, or just inside a quotation ("'Mark the chart'")."""
    return ctx.is_start(i) or (i > 0 and ctx.toks[i - 1].text in ("'", "‘", '"', "“"))


def from_team(ctx: _NameContext, i: int) -> bool:
    """'Grace from outreach', 'Aroha from the discharge team', 'Eve from the night team',
    'Chase from the hospital ambulance liaison'."""
    nxt = ctx.word(i + 1)
    if nxt is None or nxt.key != "from" or not ctx.adjacent(i, i + 1):
        return False
    # with no verb to say more, the team comes first ("from the night team") or a word
    # such as "team" ends it, not "Posting from the surgical ICU"
    return _workplace_at(ctx, i + 2, _TEAMS, loose=False) is not None


def _workplace_at(
    ctx: _NameContext, k: int, places: frozenset[str], *, loose: bool = True
) -> int | None:
    """Where a team or workplace named from token k ends ("the", then up to three words,
    the last a team or a workplace noun: "the night team", "the HCA rota"), or None.
    Unless ``loose``, a team or workplace counts only as the first of those words."""
    word = ctx.word(k)
    if word is not None and word.key == "the":
        k += 1
    for j in range(k, k + 3):
        word = ctx.word(j)
        if word is None or not word.alpha:
            return None
        if (word.key in places or word.key in _WORKPLACES) and (loose or j == k):
            return j
        if j > k and word.key in _TEAM_NOUNS:
            return j
    return None


def placed_person(ctx: _NameContext, i: int) -> bool:
    """'Ruby on the ward stopped it', 'Summer in the office said', 'Bill from finance
    told me': a word, where someone works, then a verb of acting or speaking."""
    nxt = ctx.word(i + 1)
    if nxt is None or nxt.key not in _PERSON_FOLLOWERS or not ctx.adjacent(i, i + 1):
        return False
    k = _workplace_at(ctx, i + 2, _TEAMS)
    if k is None:
        return False
    verb = ctx.word(k + 1)
    if verb is not None and verb.key in _TEAM_NOUNS:
        verb = ctx.word(k + 2)
    if verb is None or not verb.lower or verb.key == "and":  # "a Sara Stedy on Willow ward and"
        return False
    return verb.key in _ACTS or verb.key in _SPEECH_VERBS


def acting_subject(ctx: _NameContext, i: int) -> bool:
    """'Jenifer told me', 'and Sterling started CPR', 'Sky was leading the restraint',
    'Cliff is 84 with': opening a clause, a verb only a person does, or an age."""
    if not (starts_clause(ctx, i) or ctx.toks[i - 1].key in ("and", "but", "then", "so")):
        return False
    toks, n = ctx.toks, ctx.n
    if i + 2 >= n or not ctx.adjacent(i, i + 1) or not ctx.adjacent(i + 1, i + 2):
        return False
    nxt, after = toks[i + 1], toks[i + 2]
    if not nxt.lower:
        return False
    if nxt.key in _PERSON_VERBS:
        return True
    if nxt.key in ("started", "stopped"):  # "Sterling started CPR", not "Rain started at 3"
        return after.alpha and after.key not in _NOT_AN_OBJECT
    if nxt.key in ("is", "was"):  # "Cliff is 84 with …", "Sky was leading the restraint"
        return after.key in _PERSON_DOING or (after.text.isdigit() and len(after.text) <= 3)
    return False


def month_named(ctx: _NameContext, i: int) -> bool:
    """'since April', 'until June', 'last May': a month, not a person."""
    prv = ctx.word(i - 1)
    return (
        ctx.toks[i].key in _MONTHS
        and prv is not None
        and prv.key in _MONTH_PRECEDERS
        and ctx.adjacent(i - 1, i)
    )


def role_bracketed(ctx: _NameContext, i: int) -> bool:
    """'a B7 (Marsha)', 'the HCA (Rose)': a name in brackets right after a role or grade;
    'Patricia (Trish)': or right after a name, as the name the person goes by."""
    toks = ctx.toks
    if i < 2 or i + 1 >= ctx.n or toks[i - 1].text != "(" or toks[i + 1].text != ")":
        return False
    if ctx.is_name[i - 2]:
        return True
    role = toks[i - 2].key
    if role.isdigit() and i >= 3 and ctx.starts[i - 2] == ctx.ends[i - 3]:
        role = toks[i - 3].key + role  # "B7" is cut as "B" and "7"
    return role in _ROLES or _GRADE.fullmatch(role) is not None


def signed(ctx: _NameContext, i: int) -> bool:
    """'… the bottle was still full. Lou', '- JEN': the last word of the text, alone after
    the end of a sentence or on a line of its own, signs it."""
    toks = ctx.toks
    if i != ctx.n - 1 and not (i == ctx.n - 2 and toks[i + 1].text in (".", "!", "x")):
        return False
    return i > 0 and (ctx.is_start(i) or "\n" in ctx.text[ctx.ends[i - 1] : ctx.starts[i]])


def role_after_possessive(ctx: _NameContext, i: int) -> bool:
    """'Hazel our carer noticed', 'Iris her neighbour let the crew in', 'Autumn was the
    second midwife': a role said of the word with no comma between."""
    toks, n = ctx.toks, ctx.n
    if i + 2 >= n or not ctx.adjacent(i, i + 1) or not toks[i].cap:
        return False
    if not (given_like(toks[i].key) or given_like(toks[i].key, strong_cue=True)):
        return False  # "Afterwards my supervisor Tom", "was given her husband's"
    k = i + 1
    if toks[k].key in ("was", "is") and ctx.adjacent(k, k + 1):
        k += 1
        if toks[k].key not in ("the", "a", "an", "our", "my"):
            return False
    elif toks[k].key not in ("our", "her", "his", "my", "their"):
        return False
    return any(toks[j].key in _ROLES for j in range(k + 1, min(k + 3, n)))


def opens_clause(ctx: _NameContext, i: int) -> bool:
    """Token i starts a sentence or follows a word that opens a clause ('because dawn')."""
    prv = ctx.word(i - 1)
    return prv is None or ctx.is_start(i) or prv.key in CLAUSE_OPENERS
