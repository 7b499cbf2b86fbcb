"""Measure reporting.privacy.deid against the hand-written corpus in tests/deid/corpus.jsonl.

Run as ``python bench/deid_corpus.py`` from the repository root.

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
  at least half of its characters; typed recall requires the covering spans to have the
  gold type.
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

CORPUS = ROOT / "tests" / "deid" / "corpus.jsonl"
_TOKEN = re.compile(r"\[(" + "|".join(TOKENS) + r")\]")


def load() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as f:
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


def main() -> None:
    rows = load()
    n_ident = n_found = n_typed = 0
    kept_total = kept_ok = 0
    exact = unchanged = 0
    misses: list[str] = []
    for row in rows:
        text, expected = row["text"], row["expected"]
        if text == expected:
            unchanged += 1
        result = scrub(text)
        if result.text == expected:
            exact += 1
        preds = predicted_spans(result)
        gold = gold_spans(text, expected, frozenset(e for _, e, _ in preds))
        for g in gold:
            n_ident += 1
            if coverage(g, preds, False) >= 0.5:
                n_found += 1
            else:
                misses.append(f"{row['id']}: {g[2]} {text[g[0] : g[1]]!r}")
            if coverage(g, preds, True) >= 0.5:
                n_typed += 1
        for m in re.finditer(r"\S+", text):
            if any(gs < m.end() and m.start() < ge for gs, ge, _ in gold):
                continue
            kept_total += 1
            if not any(ps < m.end() and m.start() < pe for ps, pe, _ in preds):
                kept_ok += 1

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

    print(f"narratives:                 {len(rows)}")
    print(f"unchanged-text cases:       {unchanged}")
    print(f"identifiers in expected:    {n_ident}")
    print(f"identifier recall:          {n_found / n_ident:.1%} ({n_found}/{n_ident})")
    print(f"typed recall:               {n_typed / n_ident:.1%} ({n_typed}/{n_ident})")
    print(f"kept clinical text:         {kept_ok / kept_total:.1%} ({kept_ok}/{kept_total} words)")
    print(f"exact matches:              {exact / len(rows):.1%} ({exact}/{len(rows)})")
    print(f"mean per narrative:         {mean_us:.0f} us CPU")
    print(f"1.5 KB narrative:           {best:.0f} us CPU ({best_wall:.0f} us wall-clock)")
    if misses:
        print("missed identifiers:")
        for m in misses:
            print("  " + m)


if __name__ == "__main__":
    main()
