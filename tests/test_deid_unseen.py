"""The corpora written by others who never read the scrubber (tests/deid/unseen*.jsonl).

``unseen.jsonl`` was committed before issue 11 changed the rules, ``unseen2.jsonl`` (another
author, 0cbcf69) before the rules of 2026-12-07. Every narrative must come out exactly as
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
    "wordname-drew-syringe": "'the ST4, drew up': a lower-case verb after a role and a comma",
    "lower-kim-park": "'kim' before a found 'min-jun' in lower case",
    "lower-pat-joy": "the second of a lower-case pair",
    "lower-wei-xu": "a lower-case Chinese full name",
    "lower-lau-okon": "'k. lau from rt': a lower-case initial and surname",
    "lower-names-and-words": "'jack and ivy on the late shift'",
    "surname-porter-elaine": "'Ring the Porter lodge' is read as 'X the porter'",
    "surname-vietnamese-korean": "'Levels were sent' after a Vietnamese name",
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
CORPORA = {"unseen.jsonl": UNSEEN_MISSES, "unseen2.jsonl": UNSEEN2_MISSES}


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


@pytest.mark.parametrize("name", list(CORPORA))
def test_the_corpus_meets_the_issue_figures(name):
    spec = importlib.util.spec_from_file_location("deid_corpus", ROOT / "bench" / "deid_corpus.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = _rows(name)
    f = bench.measure(rows)["figures"]
    assert len(rows) >= 150
    assert f["found"] / f["ident"] >= 0.97
    assert f["names_found"] / f["names"] >= 0.95
    assert f["kept_ok"] / f["kept_total"] >= 0.99
    assert f["clean_ok"] / f["clean"] >= 0.95
    assert set(CORPORA[name]) <= {row["id"] for row in rows}
