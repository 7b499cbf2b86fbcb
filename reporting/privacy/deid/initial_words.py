"""Which words can be a patient's initials at all, whatever stands around them.

Dotted initials ("J.S.") are initials unless they are a common abbreviation ("a.m.");
undotted ones are two or three letters that are neither vocabulary nor clinical or
organisational shorthand (ED, MI, NBM). This depends on the word alone, so
:mod:`.tokens` asks it once per distinct word and the initials rule
(:func:`.initials.initials_name`) only looks at the few capitals that pass.
"""

from __future__ import annotations

import re

from .vocabulary import _COMMON, _words

_DOTTED_INITIALS = re.compile(r"^(?:[A-Z]\.){1,2}[A-Z]?\.?$")
_NOT_INITIALS = _words(
    """u.s. u.k. a.m. p.m. n.b. i.v. p.o. e.g. i.e. d.c. o.k. n.a. s.c. i.m. p.r.n."""
)
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


def may_be_initials(text: str, key: str) -> bool:
    """Whether the word ``text`` (folded ``key``) may be a patient's initials: dotted ones
    not in :data:`_NOT_INITIALS`, or two or three letters not in the vocabulary or
    :data:`_ABBREVIATIONS`."""
    if "." in text and _DOTTED_INITIALS.match(text):  # no full stop: no regex call
        return text.lower() not in _NOT_INITIALS
    return (
        len(key) in (2, 3) and text.isalpha() and key not in _COMMON and key not in _ABBREVIATIONS
    )
