"""The corpus written by others before issue 11 changed the rules (tests/deid/unseen.jsonl).

Every narrative must come out exactly as expected, except the known misses, which are pinned
with ``xfail(strict=True)``: a fix shows as an unexpected pass, and the list shrinks. The
issue's acceptance figures are checked over the whole corpus with the same measures
``bench/deid_corpus.py`` prints (a name counts only when none of its words survives).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from reporting.privacy.deid import scrub

ROOT = Path(__file__).resolve().parent.parent
UNSEEN = ROOT / "tests" / "deid" / "unseen.jsonl"
ROWS = [json.loads(line) for line in UNSEEN.read_text("utf-8").splitlines() if line.strip()]
KNOWN_MISSES = {
    "wordname-mark-chart": "'Mark the chart' quoted at a sentence start is taken for a name",
    "wordname-drew-syringe": "'the ST4, drew up': a lower-case verb after a role and a comma",
    "wordname-jack-jade": "a given name that is a word, last in a list at a sentence start",
    "cue-nicknames": "nicknames with an adjective (Big Dave, Little Mo)",
    "lower-kim-park": "'kim' before a found 'min-jun' in lower case",
    "lower-pat-joy": "the second of a lower-case pair",
    "lower-wei-xu": "a lower-case Chinese full name",
    "lower-lau-okon": "'k. lau from rt': a lower-case initial and surname",
    "lower-names-and-words": "'jack and ivy on the late shift'",
    "surname-porter-elaine": "'Ring the Porter lodge' is read as 'X the porter'",
    "surname-vietnamese-korean": "'Levels were sent' after a Vietnamese name",
}


def _case(row):
    marks = []
    if row["id"] in KNOWN_MISSES:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[row["id"]]))
    return pytest.param(row, id=row["id"], marks=marks)


@pytest.mark.parametrize("row", [_case(row) for row in ROWS])
def test_unseen_narrative(row):
    result = scrub(row["text"]).text
    assert result == row["expected"]
    for keep in row["must_keep"]:
        assert keep in result


def test_the_corpus_meets_the_issue_figures():
    spec = importlib.util.spec_from_file_location("deid_corpus", ROOT / "bench" / "deid_corpus.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    f = bench.measure(ROWS)["figures"]
    assert len(ROWS) >= 150
    assert f["found"] / f["ident"] >= 0.97
    assert f["names_found"] / f["names"] >= 0.95
    assert f["kept_ok"] / f["kept_total"] >= 0.99
    assert f["clean_ok"] / f["clean"] >= 0.95
    assert set(KNOWN_MISSES) <= {row["id"] for row in ROWS}
