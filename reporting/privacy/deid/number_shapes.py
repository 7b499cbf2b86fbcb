"""Which alternatives of the structured pattern can match at a number, from its shape.

At a number :mod:`.structured` tried every branch that can start with a digit (phone,
SSN, NHS number, date, time, age, long digits) and each alternative inside them, and
each failing one costs the regex engine a little. Each alternative fixes how long the
run of digits at its start can be, what its first digits are and what character may
follow the run: "38.7" can only be a d/m/y date or an h.mm time, "7:10" only a time,
"124," or "4471." nothing at all. So the pattern tried at a number holds only the
alternatives its shape allows, in their order, and finds the same match there (the
ones left out cannot match) at about two thirds of the cost; with none, no call.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .patterns import _BRANCHES, _compile_branches

_SEP = "\n      | "  # between the alternatives of the phone, date and time branches


def _alternatives(name: str) -> tuple[str, list[str], str]:
    """A branch cut into its head, its alternatives and its tail."""
    head, _, body = _BRANCHES[name].partition("(?:\n")
    body, tail = body.rsplit("\n      )", 1)
    return head + "(?:\n", body.split(_SEP), "\n      )" + tail


_SPLIT = {name: _alternatives(name) for name in ("phone", "date", "time")}
if any(h + _SEP.join(a) + t != _BRANCHES[n] for n, (h, a, t) in _SPLIT.items()):
    raise RuntimeError("the phone, date and time branches no longer cut as number_shapes expects")

_ORDINAL_FIRST = frozenset("sSnNrRtT\u017f")  # "st nd rd th" ignoring case (ſ is an s)


def number_alternatives(first: str, second: str, length: int, after: str) -> dict:
    """The alternatives that can match at a maximal run of ``length`` digits whose first
    two characters are ``first`` and ``second`` ("" for a single digit), followed by
    ``after`` ("" at the end of the text): {branch: alternative indices, or None for
    the whole branch}. Each test reads its alternative in :mod:`.patterns` (letters
    match only the ASCII letters of either case there, and s also ſ)."""
    space = after.isspace()
    joined = after != "" and after in "/.-"
    chosen: dict[str, tuple[int, ...] | None] = {}
    phone = (
        *((1,) if first == "0" else ()),  # (0…) or 0…
        *((2,) if first == "1" and length >= 4 else ()),  # 1[38]00
        *((3,) if first == "1" and length == 1 and (space or joined and after != "/") else ()),
        *((4,) if first == "0" and length >= 5 else ()),  # 0dddd
        *((6,) if length == 3 and after != "" and after in ".-" else ()),  # ddd.ddd.dddd
    )
    short = length <= 2 and after != ""
    date = (
        *((0,) if length == 4 and after == "-" else ()),  # yyyy-mm-dd
        *((1,) if short and joined else ()),  # d/m/y
        *((2,) if short and (space or after == "-" or after in _ORDINAL_FIRST) else ()),
    )
    time = (
        *((0,) if short and after in ":." else ()),  # h:mm am, h.mm pm
        *((1,) if short and (space or after in "aApP") else ()),  # 3 pm
        *((2,) if short and (space or after in "oO") else ()),  # 4 o'clock
        *((3,) if short and after in "hH" else ()),  # 14h30
        *((4,) if length == 2 and after == ":" else ()),  # hh:mm
        *((5,) if length == 4 and (space or after in "hH") and after != "" else ()),  # 1430h
    )
    age = (length == 2 and first == "9") or (length == 3 and first == "1" and second in "01")
    for name, wanted in (
        ("phone", phone or None),
        ("ssn", length == 3 and after == "-"),
        ("nhs", length == 3 and space),
        ("date", date or None),
        ("time", time or None),
        ("time1", length == 1 and after == ":"),
        ("age", age and (space or after in "-yY") and after != ""),
        ("agemf", age and after in "MF" and after != ""),
        ("digits", length >= 6),
    ):
        if isinstance(wanted, tuple):
            chosen[name] = wanted
        elif wanted:
            chosen[name] = None
    return chosen


@lru_cache(maxsize=256)
def _compiled(chosen: tuple[tuple[str, tuple[int, ...] | None], ...]) -> re.Pattern[str]:
    """The pattern of the chosen branches and alternatives, in the pattern's order."""
    parts = []
    for name, alternatives in chosen:
        if alternatives is None:
            parts.append(_BRANCHES[name])
        else:
            head, every, tail = _SPLIT[name]
            parts.append(head + _SEP.join(every[i] for i in alternatives) + tail)
    return _compile_branches(parts)


class _AtNumber(dict):
    """The pattern to try at a number by its shape (first two characters, length, the
    character after), or None when nothing can match there; bounded like the package's
    other caches (the shapes seen in practice are a few hundred)."""

    def __missing__(self, key: tuple[str, int, str]) -> re.Pattern[str] | None:
        if len(self) > 4096:
            self.clear()
        head, length, after = key
        chosen = number_alternatives(head[0], head[1:] if length > 1 else "", length, after)
        pattern = self[key] = _compiled(tuple(chosen.items())) if chosen else None
        return pattern


AT_NUMBER = _AtNumber()  # look up (text[pos : pos + 2], end - pos, text[end : end + 1])
