"""The corpora written by others who never read the scrubber (tests/deid/unseen*.jsonl).

``unseen.jsonl`` was committed before issue 11 changed the rules, ``unseen2.jsonl`` (another
author, 0cbcf69) before the rules of 2026-12-07 and ``unseen3.jsonl`` (a third author,
0fb9983) before the second round of that day, ``unseen4.jsonl`` (a fourth, 23fdddd) before
the third and ``unseen5.jsonl`` (a fifth, af98b6f) before the fourth. Every narrative must
come out exactly as
expected, except the known misses, which are pinned with ``xfail(strict=True)``: a fix shows
as an unexpected pass, and the list shrinks. The issue's acceptance figures are checked over
each whole corpus with the same measures ``bench/deid_corpus.py`` prints (a name counts only
when none of its words survives).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from reporting.privacy.deid import scrub

ROOT = Path(__file__).resolve().parent.parent


def _rows(name: str) -> list[dict]:
    text = (ROOT / "tests" / "deid" / name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


UNSEEN_MISSES = {
    "wordname-mark-chart": "'Mark the chart' quoted at a sentence start is taken for a name",
    "lower-kim-park": "'kim' before a found 'min-jun' in lower case",
    "lower-wei-xu": "a lower-case Chinese full name",
    "lower-lau-okon": "'k. lau from rt': a lower-case initial and surname",
    "lower-names-and-words": "'jack and ivy on the late shift'",
    "surname-porter-elaine": "'Ring the Porter lodge' is read as 'X the porter'",
}
UNSEEN2_MISSES = {
    "wordname-frank-haematuria": "'Frank discussion needed': a recurring name read before a noun",
    "wordname-amber-warning": "'ran the ward at 1:14': a staffing ratio in the shape of a time",
    "clean-wards-named": "wards named after people in a list with no ward word",
    "clean-place-names": "'told Bradford had no beds': a town that is also a surname",
    "wordname-ginger-violet": "a nickname that is a word, explained in brackets after it",
    "surname-filipino": "'Ma. Cristina dela Cruz' and a reduplicated 'Jun-Jun'",
    "lower-hope-faith-lower": "the first of a lower-case pair of word names",
    "lower-mrs-lowercase": "a street address and postcode written in lower case",
    "lower-sister-lower": "'bren', a shortening of a surname found earlier",
}
UNSEEN3_MISSES = {
    "wordname-earnest-bill-porter": "'Earnest' beside a found name, and wards named after people",
    "wordname-drew-up-dose": "'Drew drew up the dose': the name and the verb are one word",
    "wordname-rich-page-bleep": "'Page from the night team told me to page him'",
    "wordname-poppy-rose-heather": "'Poppy's BP rose': a possessive word name at a sentence start",
    "wordname-sky-storm-river": "'Storm was held in prone restraint': a passive verb",
    "wordname-jay-sterling": "'Sterling made a sterling effort'",
    "wordname-forest-reed-stone": "'Reed and Forest restrained him': a verb the rules do not list",
    "surname-king-bishop-cook": "'Bishop picked it up in pharmacy': a surname that is a word",
    "surname-ford-lane-street": "'next to Lane 3 of majors': a department's lane read as a name",
    "surname-korean-vietnamese": "'Park Ji-yeon': a surname that is a word, in surname-first order",
    "wordname-maori-samoan": "'The kaumātua, Matiu,': a name after a word the rules do not know",
    "wordname-welsh": "'found Angharad's Cerazette': an unknown name with a possessive",
    "surname-dutch-particles": "'Anouk van Dijk stopped it': an unknown given name at a start",
    "lower-textspeak": "'kez', a lower-case nickname",
    "clean-florence-churchill": "wards named after people with no ward word",
    "clean-keats-byron-jenner": "wards named after people with no ward word",
    "clean-towns-surnames": "'went to Bradford': a town that is also a surname",
    "clean-it-outage": "'packs were from 2019': a year after 'from' in the shape of a time",
}
UNSEEN4_MISSES = {
    "wordname-will-modal": "'Will floated to us': a word that is first a word, opening a sentence",
    "lower-texting-agency": "'NEWS 6 @ 0400': '@' as a time cue",
    "misc-long-mixed": "a date with no year ('on 28/11') and the tail of a spaced phone number",
    "clean-it-outage": "'packs were from 2019': a year after 'from' in the shape of a time",
    "typo-misspelt-name": "'nurse Patrica (bank)': whether a lower-case 'nurse' is a title",
    "signoff-initials-staff": "initials as a signature ('- CM, bank staff nurse')",
    "misc-address-irish": "an Irish Eircode ('P31 X6K2')",
    "typo-run-on": "'the nurse in chage Patrica': a misspelt role before a misspelt name",
}
UNSEEN5_MISSES = {
    "wordname-02": "'Sister Oluwaseun': the title is read as a role and stays outside the token",
    "lower-03": "'charge nurse bong': the lower-case title is read as a role and stays outside",
    "wordname-03": "'Honour (HCA)': a word far more common as a word than as a name",
    "wordname-04": "'doing the 0600 obs': a four-digit time with no time cue before it",
    "wordname-09": "'Sunday (the radiology assistant…)': a weekday as a given name",
    "wordname-19": "'(spelt Akoswa on the rota)': a misspelling of a found name",
    "cue-05": "'giving the notes to 'Tosh' the HCA': a quoted nickname before its role",
    "cue-10": "'Bilal? or Bilawal?': a second spelling joined by 'or' after a question mark",
    "initials-04": "'JT and I', 'SK was on the phone': a colleague's initials",
    "initials-11": "'Pt E.McG.': dotted initials with a 'Mc' surname",
    "lower-14": "'kim ji-woo': a lower-case Korean surname before its given name",
}
CORPORA = {
    "unseen.jsonl": UNSEEN_MISSES,
    "unseen2.jsonl": UNSEEN2_MISSES,
    "unseen3.jsonl": UNSEEN3_MISSES,
    "unseen4.jsonl": UNSEEN4_MISSES,
    "unseen5.jsonl": UNSEEN5_MISSES,
}


def _cases():
    for name, misses in CORPORA.items():
        for row in _rows(name):
            marks = []
            if row["id"] in misses:
                marks.append(pytest.mark.xfail(strict=True, reason=misses[row["id"]]))
            yield pytest.param(row, id=f"{name.split('.')[0]}:{row['id']}", marks=marks)


@pytest.mark.parametrize("row", list(_cases()))
def test_unseen_narrative(row):
    result = scrub(row["text"]).text
    assert result == row["expected"]
    for keep in row["must_keep"]:
        assert keep in result


# The figures (recall, names with no word left, kept words, unchanged clean texts);
# unseen3 and unseen5 are not there yet and are held to what they reached, so a change
# that loses ground there fails.
FLOORS = {
    "unseen.jsonl": (0.97, 0.95, 0.99, 0.95),
    "unseen2.jsonl": (0.97, 0.95, 0.99, 0.95),
    "unseen3.jsonl": (0.95, 0.93, 0.99, 0.91),
    "unseen4.jsonl": (0.97, 0.95, 0.99, 0.95),
    "unseen5.jsonl": (0.96, 0.95, 0.99, 0.95),
}


@pytest.mark.parametrize("name", list(CORPORA))
def test_the_corpus_meets_its_figures(name):
    spec = importlib.util.spec_from_file_location("deid_corpus", ROOT / "bench" / "deid_corpus.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = _rows(name)
    f = bench.measure(rows)["figures"]
    assert len(rows) >= 150
    recall, names, kept, clean = FLOORS[name]
    assert f["found"] / f["ident"] >= recall
    assert f["names_found"] / f["names"] >= names
    assert f["kept_ok"] / f["kept_total"] >= kept
    assert f["clean_ok"] / f["clean"] >= clean
    assert set(CORPORA[name]) <= {row["id"] for row in rows}
