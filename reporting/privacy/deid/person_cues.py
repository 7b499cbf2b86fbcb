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
from .vocabulary import _words

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
    medicine neuro palliative pain stroke frailty ambulance control admissions"""
)
_GRADE = re.compile(r"(?:b|band|fy|f|ct|st|pgy-?)\d")


def starts_clause(ctx: _NameContext, i: int) -> bool:
    """A sentence start, or just inside a quotation ("'Mark the chart'")."""
    return ctx.is_start(i) or (i > 0 and ctx.toks[i - 1].text in ("'", "‘", '"', "“"))


def from_team(ctx: _NameContext, i: int) -> bool:
    """'Grace from outreach', 'Aroha from the discharge team'."""
    nxt, after = ctx.word(i + 1), ctx.word(i + 2)
    if nxt is None or nxt.key != "from" or not ctx.adjacent(i, i + 1) or after is None:
        return False
    if after.key == "the":
        after = ctx.word(i + 3)
    return after is not None and after.key in _TEAMS


def placed_person(ctx: _NameContext, i: int) -> bool:
    """'Ruby on the ward stopped it', 'Summer in the office said', 'Bill from finance
    told me': a word, where someone works, then a verb of acting or speaking."""
    nxt = ctx.word(i + 1)
    if nxt is None or nxt.key not in _PERSON_FOLLOWERS or not ctx.adjacent(i, i + 1):
        return False
    k = i + 2
    place = ctx.word(k)
    if place is not None and place.key == "the":
        k += 1
        place = ctx.word(k)
    if place is None or not (place.key in _TEAMS or place.key in _WORKPLACES):
        return False
    verb = ctx.word(k + 1)
    if verb is not None and verb.key == "team":
        verb = ctx.word(k + 2)
    return verb is not None and verb.lower and (verb.key in _ACTS or verb.key in _SPEECH_VERBS)


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
    """'a B7 (Marsha)', 'the HCA (Rose)': a name in brackets right after a role or grade."""
    toks = ctx.toks
    if i < 2 or i + 1 >= ctx.n or toks[i - 1].text != "(" or toks[i + 1].text != ")":
        return False
    role = toks[i - 2].key
    if role.isdigit() and i >= 3 and ctx.starts[i - 2] == ctx.ends[i - 3]:
        role = toks[i - 3].key + role  # "B7" is cut as "B" and "7"
    return role in _ROLES or _GRADE.fullmatch(role) is not None
