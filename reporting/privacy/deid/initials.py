"""Patients' initials: "Pt J.S., 67M", "initials KM", "between TR and DH", "JW bed 1".

Dotted initials are a name wherever they stand (but "U.K.", "a.m."). Undotted capitals are
far more often clinical shorthand (ED, MI, NBM), so they are a patient's initials only after
a patient cue or before a bed, and then wherever they recur or are joined to others.
"""

from __future__ import annotations

import re

from .context import _NameContext
from .vocabulary import _COMMON, _words

_DOTTED_INITIALS = re.compile(r"^(?:[A-Z]\.){1,2}[A-Z]?\.?$")
_NOT_INITIALS = _words(
    """u.s. u.k. a.m. p.m. n.b. i.v. p.o. e.g. i.e. d.c. o.k. n.a. s.c. i.m. p.r.n."""
)
_PATIENT_CUES = _words("pt pts patient patients initials mr mrs ms miss between about bed")
# Capitals that are clinical or organisational shorthand, never a patient's initials.
_ABBREVIATIONS = _words(
    """ed ae icu itu hdu ccu amu sau mau cdu gp ct mri ecg ekg eeg bp hr rr gcs iv im sc po
    ng nj peg nbm tto dnr ok pt rn hca sho fy reg spr acp anp np pa uk us nhs mdt ms mi
    af vf vt pe dvt uti aki ckd copd chf tia cva mrsa cdiff ppe ews news abg vbg cxr axr
    ttt doa dob dna bd tds qds od prn stat er or cpr als bls ilt rrt met sbar esr crp inr
    aptt fbc ue lft tft hb wcc plt bm cbg sats obs ip op us uss ivi pca pcea epi ffp prbc
    ho tl cnm num nic nicu scbu smh cno don snf ltc icb ccg cqc hse osce id mrn ur urn chi
    pas dob nok dols mca lpa adrt resp dnar"""
)


def initials_name(ctx: _NameContext, i: int) -> bool:
    """'Pt J.S.', 'initials KM', 'between TR and DH', 'JW bed 1'."""
    t = ctx.toks[i]
    text = t.text
    if _DOTTED_INITIALS.match(text):
        return text.lower() not in _NOT_INITIALS
    if len(t.key) not in (2, 3) or not text.isalpha() or t.key in _COMMON:
        return False
    if t.key in _ABBREVIATIONS:
        return False
    prv, nxt = ctx.word(i - 1), ctx.word(i + 1)
    if prv is not None and prv.key in _PATIENT_CUES and ctx.adjacent(i - 1, i):
        return True
    return bool(nxt is not None and nxt.key == "bed" and ctx.adjacent(i, i + 1))


def recurring_initials(ctx: _NameContext, initials: set[str]) -> None:
    """Initials found once are initials wherever they recur, and so are capitals joined to
    them ('between TR and DH')."""
    toks, is_name = ctx.toks, ctx.is_name
    for i, t in enumerate(toks):
        if is_name[i] or not t.upper or t.key in _ABBREVIATIONS:
            continue
        joined = len(t.key) in (2, 3) and t.text.isalpha() and _joined_to_initials(ctx, i)
        if t.key in initials or joined:
            is_name[i] = True


def _joined_to_initials(ctx: _NameContext, i: int) -> bool:
    toks, n = ctx.toks, ctx.n
    for j, between in ((i - 2, i - 1), (i + 2, i + 1)):
        if (
            0 <= j < n
            and ctx.is_name[j]
            and toks[j].upper
            and toks[between].text
            in (
                "and",
                ",",
                "&",
                "or",
            )
        ):
            return True
    return False
