"""Measure reporting.privacy.deid against the hand-written corpora in tests/deid/.

Run as ``python bench/deid_corpus.py`` (or ``make bench-deid``) from the repository root:
it measures ``corpus.jsonl`` (the corpus the rules were tuned on), ``unseen.jsonl``
(written by others before the rules of issue 11 changed) and ``unseen2.jsonl`` (written by
another author before the rules of 2026-12-07), ``unseen3.jsonl``, ``unseen4.jsonl`` and
``unseen5.jsonl`` (three more authors, before that day's second, third and fourth rounds),
or the files given as arguments;
``--misses`` lists every missed identifier and every removed must-keep string.

Method
------
Each corpus line has the reporter's ``text`` and the ``expected`` text, in which every
identifier is replaced by a typed token such as ``[NAME]``. The plain runs of ``expected``
are exact substrings of ``text``, in order, so walking both strings side by side gives the
gold spans: for each expected token, the stretch of ``text`` between the plain run before it
and the plain run after it, with its type. The scrubber's output is mapped back the same way
(each :class:`Replacement` records its ``original``, so the predicted spans in ``text``
coordinates follow by accumulating offsets).

* identifier recall: a gold span counts as replaced when predicted spans (of any type) cover
  at least half of its characters, except a name: a name counts only when none of its
  words survives (every word of it other than a title lies inside predicted spans), so
  "[NAME] Porter" for "Mrs Elaine Porter" is a miss. Typed recall also requires the
  covering spans to have the gold type. Name recall is the same figure over names alone.
* must-keep strings (unseen corpus): each ``must_keep`` string of a line must still be in
  the output.
* identifier-free texts unchanged: lines whose ``expected`` equals ``text`` that come back
  exactly as typed.
* kept clinical text: the whitespace-separated words of ``text`` outside every gold span;
  a word is kept when no predicted span touches it.
* exact matches: output text equal to ``expected``.
* timing: mean microseconds per narrative over the corpus, and for a 1.5 KB narrative made by
  joining corpus texts and cutting at 1,500 characters (best of several repeats). Both are
  CPU time of this process (``time.process_time``), which other work on a shared machine
  disturbs much less than wall-clock time; wall-clock for the 1.5 KB case is printed too.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reporting.privacy.deid import TOKENS, ScrubResult, scrub  # noqa: E402

CORPORA = tuple(
    ROOT / "tests" / "deid" / name
    for name in (
        "corpus.jsonl",
        "unseen.jsonl",
        "unseen2.jsonl",
        "unseen3.jsonl",
        "unseen4.jsonl",
        "unseen5.jsonl",
    )
)
CORPUS = CORPORA[0]
_KINDS = tuple(TOKENS) + tuple(k for k in ("BED",) if k not in TOKENS)
_TOKEN = re.compile(r"\[(" + "|".join(_KINDS) + r")\]")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_TITLE_WORDS = {
    *("dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sister", "sr"),
    *("nurse", "matron", "charge", "staff", "fr", "rev", "revd", "reverend", "father"),
}


def load(path: Path = CORPUS) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def gold_spans(
    text: str, expected: str, hints: frozenset[int] = frozenset()
) -> list[tuple[int, int, str]]:
    """Spans of ``text`` that ``expected`` replaces with tokens.

    Where the plain run after a token occurs more than once nearby (two tokens separated
    only by a space or a comma, e.g. ``[ADDRESS] [POSTCODE]``), the split is ambiguous; the
    first occurrence that coincides with the end of a predicted span (``hints``) is taken,
    otherwise the first occurrence.
    """
    parts = _TOKEN.split(expected)  # plain, kind, plain, kind, ..., plain
    spans: list[tuple[int, int, str]] = []
    pos = 0
    if not text.startswith(parts[0]):
        raise ValueError("expected does not start like text")
    pos = len(parts[0])
    for k in range(1, len(parts), 2):
        kind, plain = parts[k], parts[k + 1]
        if k + 2 >= len(parts):  # last token: runs until the final plain run
            end = len(text) - len(plain) if plain else len(text)
        else:
            sep = plain or " "
            end = text.find(sep, pos + 1)
            if end == -1:
                raise ValueError(f"cannot align {plain!r}")
            cand = end
            while cand != -1 and cand - pos < 80:
                if cand in hints:
                    end = cand
                    break
                cand = text.find(sep, cand + 1)
        spans.append((pos, end, kind))
        pos = end + len(plain)
    return spans


def predicted_spans(result: ScrubResult) -> list[tuple[int, int, str]]:
    spans = []
    shift = 0  # original offset minus scrubbed offset
    for rep in result.replacements:
        start = rep.start + shift
        spans.append((start, start + len(rep.original), rep.kind))
        shift += len(rep.original) - (rep.end - rep.start)
    return spans


def coverage(span: tuple[int, int, str], preds, same_kind: bool) -> float:
    s, e, kind = span
    if e <= s:
        return 1.0
    covered = 0
    for ps, pe, pk in preds:
        if same_kind and pk != kind:
            continue
        covered += max(0, min(e, pe) - max(s, ps))
    return covered / (e - s)


def name_caught(text: str, span: tuple[int, int, str], preds) -> bool:
    """Every word of the name, titles aside, lies wholly inside predicted spans."""
    s, e, _ = span
    for m in _WORD.finditer(text, s, e):
        if m.group(0).lower().rstrip(".") in _TITLE_WORDS:
            continue
        if not any(ps <= m.start() and m.end() <= pe for ps, pe, _ in preds):
            return False
    return True


def measure(rows: list[dict]) -> dict:
    """The figures of one corpus, and the misses behind them."""
    names = ("ident", "found", "typed", "names", "names_found", "kept_total", "kept_ok")
    f = dict.fromkeys(names + ("must", "must_ok", "exact", "clean", "clean_ok"), 0)
    by_kind: dict[str, list[int]] = {}
    misses: list[str] = []
    for row in rows:
        text, expected = row["text"], row["expected"]
        result = scrub(text)
        f["exact"] += result.text == expected
        if text == expected:
            f["clean"] += 1
            f["clean_ok"] += result.text == text
        preds = predicted_spans(result)
        try:
            gold = gold_spans(text, expected, frozenset(e for _, e, _ in preds))
        except ValueError:  # a hint led the alignment astray: align on the text alone
            gold = gold_spans(text, expected)
        for g in gold:
            caught = (
                name_caught(text, g, preds) if g[2] == "NAME" else coverage(g, preds, False) >= 0.5
            )
            f["ident"] += 1
            f["found"] += caught
            f["typed"] += caught and coverage(g, preds, True) >= 0.5
            tally = by_kind.setdefault(g[2], [0, 0])
            tally[0] += 1
            tally[1] += caught
            if g[2] == "NAME":
                f["names"] += 1
                f["names_found"] += caught
            if not caught:
                misses.append(f"{row['id']}: {g[2]} {text[g[0] : g[1]]!r}")
        for m in re.finditer(r"\S+", text):
            if any(gs < m.end() and m.start() < ge for gs, ge, _ in gold):
                continue
            f["kept_total"] += 1
            if not any(ps < m.end() and m.start() < pe for ps, pe, _ in preds):
                f["kept_ok"] += 1
        for keep in row.get("must_keep", ()):
            f["must"] += 1
            if keep in result.text:
                f["must_ok"] += 1
            else:
                misses.append(f"{row['id']}: removed must-keep {keep!r}")
    return {"figures": f, "by_kind": by_kind, "misses": misses}


def timing(rows: list[dict]) -> tuple[float, float, float]:
    """Mean CPU µs a narrative; best CPU and wall-clock µs for a 1.5 KB narrative."""
    scrub("warm up")
    mean_us = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for row in rows:
            scrub(row["text"])
        mean_us = min(mean_us, (time.process_time() - t0) / len(rows) * 1e6)
    joined = " ".join(r["text"] for r in sorted(rows, key=lambda r: -len(r["text"])))
    sample = joined[:1500]
    best = best_wall = float("inf")
    for _ in range(7):
        t0 = time.process_time()
        w0 = time.perf_counter()
        for _ in range(50):
            scrub(sample)
        best = min(best, (time.process_time() - t0) / 50 * 1e6)
        best_wall = min(best_wall, (time.perf_counter() - w0) / 50 * 1e6)
    return mean_us, best, best_wall


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.1%} ({a}/{b})" if b else "n/a"


def report(path: Path, show_misses: bool) -> None:
    rows = load(path)
    found = measure(rows)
    f = found["figures"]
    mean_us, best, best_wall = timing(rows)
    print(f"== {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"narratives:                 {len(rows)} ({f['clean']} identifier-free)")
    print(f"identifier recall:          {_ratio(f['found'], f['ident'])}")
    print(f"name recall (no word left): {_ratio(f['names_found'], f['names'])}")
    print(f"typed recall:               {_ratio(f['typed'], f['ident'])}")
    print(f"kept clinical text:         {_ratio(f['kept_ok'], f['kept_total'])} words")
    print(f"must-keep strings kept:     {_ratio(f['must_ok'], f['must'])}")
    print(f"identifier-free unchanged:  {_ratio(f['clean_ok'], f['clean'])}")
    print(f"exact matches:              {_ratio(f['exact'], len(rows))}")
    print("recall by kind:             " + ", ".join(
        f"{k} {v[1]}/{v[0]}" for k, v in sorted(found["by_kind"].items())
    ))  # fmt: skip
    print(f"mean per narrative:         {mean_us:.0f} us CPU")
    print(f"1.5 KB narrative:           {best:.0f} us CPU ({best_wall:.0f} us wall-clock)")
    if show_misses and found["misses"]:
        print("misses:")
        for m in found["misses"]:
            print("  " + m)
    print()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--misses"]
    paths = [Path(a) for a in args] or [p for p in CORPORA if p.exists()]
    for path in paths:
        report(path.resolve(), "--misses" in sys.argv[1:])


if __name__ == "__main__":
    main()
