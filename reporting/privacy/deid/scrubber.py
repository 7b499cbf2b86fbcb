"""The scrubber: runs every pass over a narrative and builds the result the reporter reviews.

Order matters and is fixed here. Kept text and existing tokens are protected first; then
configured names and structured identifiers claim their spans, then names found by the
word rules, then the safety nets. A later finding only takes text no earlier one took,
so scrubbing is idempotent and never nests tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .beds import bed_numbers
from .candidates import digit_runs
from .foreign_addresses import foreign_addresses
from .lexicon import load as load_lexicon
from .name_list import _load_names
from .names import _find_names
from .occupancy import _Occupancy
from .safety_nets import _ages_after_names, _long_digit_runs, _time_continuations
from .short_numbers import seven_digit_phones, weekday_day_month
from .spoken import ages_in_words, ordinal_dates, patient_ages, times_in_words
from .structured import _structured
from .tokens import _tokens, _Words

TOKENS = (
    *("NAME", "EMAIL", "URL", "PHONE", "ID", "DATE", "TIME", "AGE", "ADDRESS", "POSTCODE"),
    "BED",
)

_TOKEN_RE = re.compile(r"\[(?:" + "|".join(TOKENS) + r")\]")
_TOKEN_TEXT = {kind: "[" + kind + "]" for kind in TOKENS}


@dataclass(frozen=True)
class Replacement:
    kind: str  # one of TOKENS
    original: str  # the text that was replaced
    start: int  # offset of the token in the scrubbed text
    end: int


@dataclass(frozen=True)
class ScrubResult:
    text: str
    replacements: tuple[Replacement, ...]

    def segments(self) -> list[tuple[str, Replacement | None]]:
        """The scrubbed text cut into plain runs and tokens, in order."""
        out: list[tuple[str, Replacement | None]] = []
        pos = 0
        for rep in self.replacements:
            if rep.start > pos:
                out.append((self.text[pos : rep.start], None))
            out.append((self.text[rep.start : rep.end], rep))
            pos = rep.end
        if pos < len(self.text):
            out.append((self.text[pos:], None))
        return out


class Scrubber:
    """A scrubber with the bundled name list and, optionally, names the hospital
    configured that are always replaced wherever they occur."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._lists = _load_names()
        load_lexicon()  # at start-up (each server worker builds its scrubber before serving)
        extra = sorted(
            {n.strip() for n in names if isinstance(n, str) and n.strip()}, key=len, reverse=True
        )
        self._extra = (
            re.compile(
                r"(?<![\w\[])(?:" + "|".join(re.escape(n) for n in extra) + r")(?![\w\]])",
                re.IGNORECASE,
            )
            if extra
            else None
        )

    # -- public API ---------------------------------------------------------------

    def scrub(self, text: str, keep: Iterable[str] = (), allow: Iterable[str] = ()) -> ScrubResult:
        """Replace the identifiers in ``text`` with tokens, leaving ``keep`` untouched.

        ``allow`` names token kinds that are not identifiers in this text: a "you said, we
        did" summary states the date and time of a change (``allow={"DATE", "TIME"}``), and
        those stay as written while names and everything else are still replaced.
        """
        allowed = frozenset(allow)
        if not isinstance(text, str):
            text = str(text)
        if not text:
            return ScrubResult("", ())
        protected = _protected(text, keep)
        spans: list[tuple[int, int, str]] = []
        if self._extra is not None:
            spans.extend((m.start(), m.end(), "NAME") for m in self._extra.finditer(text))
        spans.extend(bed_numbers(text))
        spans.extend(foreign_addresses(text))
        spans.extend(ages_in_words(text))
        spans.extend(patient_ages(text))
        spans.extend(times_in_words(text))
        spans.extend(ordinal_dates(text))
        spans.extend(weekday_day_month(text))
        spans.extend(seven_digit_phones(text))
        runs = digit_runs(text)
        words = _tokens(text)  # shared by the structured cues and the name rules
        spans.extend(_structured(text, runs, words))
        occupied = _Occupancy(protected)
        if allowed:
            # An allowed identifier keeps its text, and no later pass may take part of it.
            for s in spans:
                if s[2] in allowed and s[1] > s[0] and occupied.free(s[0], s[1]):
                    occupied.add(s[0], s[1])
            spans = [s for s in spans if s[2] not in allowed]
        accepted: list[tuple[int, int, str]] = []
        for s in spans:
            if s[1] > s[0] and occupied.free(s[0], s[1]):
                occupied.add(s[0], s[1])
                accepted.append(s)
        for s in self._names(text, occupied, words):
            if occupied.free(s[0], s[1]):
                occupied.add(s[0], s[1])
                accepted.append(s)
        accepted.sort()
        _ages_after_names(text, accepted, occupied)
        _time_continuations(text, accepted, occupied)
        _long_digit_runs(runs, accepted, occupied)
        return _build(text, accepted)

    # -- names --------------------------------------------------------------------

    def _names(
        self, text: str, occupied: _Occupancy, words: _Words | None = None
    ) -> list[tuple[int, int, str]]:
        """Names found by the word rules, outside the spans already occupied."""
        return _find_names(text, occupied, self._lists, words)


def _protected(text: str, keep: Iterable[str]) -> list[tuple[int, int]]:
    """Spans no pass may replace: existing tokens (so scrubbing is idempotent) and every
    occurrence of the text the reporter asked to keep."""
    protected: list[tuple[int, int]] = (
        [m.span() for m in _TOKEN_RE.finditer(text)] if "[" in text else []
    )
    for k in keep:
        if not isinstance(k, str) or not k:
            continue
        i = text.find(k)
        while i != -1:
            protected.append((i, i + len(k)))
            i = text.find(k, i + len(k))
    return protected


def _build(text: str, spans: list[tuple[int, int, str]]) -> ScrubResult:
    """The scrubbed text and its replacements, from sorted non-overlapping spans."""
    out: list[str] = []
    reps: list[Replacement] = []
    pos = 0
    length = 0
    for start, end, kind in spans:
        if start < pos:
            continue
        chunk = text[pos:start]
        out.append(chunk)
        length += len(chunk)
        token = _TOKEN_TEXT[kind]
        reps.append(_replacement(kind, text[start:end], length, length + len(token)))
        out.append(token)
        length += len(token)
        pos = end
    out.append(text[pos:])
    return ScrubResult("".join(out), tuple(reps))


_new_object = object.__new__


def _replacement(kind: str, original: str, start: int, end: int) -> Replacement:
    """``Replacement(kind, original, start, end)``, made faster: a frozen dataclass sets
    each field through ``object.__setattr__``, which was over half of building a result.
    Filling the new instance's dict in field order gives the same object (equal, same
    repr and pickle)."""
    rep = _new_object(Replacement)
    fields = rep.__dict__
    fields["kind"] = kind
    fields["original"] = original
    fields["start"] = start
    fields["end"] = end
    return rep


_DEFAULT: Scrubber | None = None


def scrub(text: str, keep: Iterable[str] = (), allow: Iterable[str] = ()) -> ScrubResult:
    """Scrub ``text`` with the default :class:`Scrubber`."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Scrubber()
    return _DEFAULT.scrub(text, keep, allow)
