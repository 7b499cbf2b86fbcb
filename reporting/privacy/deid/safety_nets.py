"""Last passes over the accepted replacements: what only becomes clear once they are known.

An age in "Name, 94," is only an age because a name precedes it; "0200-0400" is a time
range only because its first half was found as a time; and any run of six or more digits
that survived every rule is treated as an identifier rather than left in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .occupancy import _Occupancy
from .patterns import _UNIT_AFTER

_AGE_AFTER_NAME = re.compile(r"(?:,\s*|\s?\(\s*)(9\d|1[01]\d)\s*(?=[,)])")


def _ages_after_names(
    text: str, accepted: list[tuple[int, int, str]], occupied: _Occupancy
) -> None:
    """'Mrs Patel, 94, ...': an age over 89 right after a name, which the structured
    pattern leaves alone because a bare number is usually not an age."""
    extra = []
    for _s, e, kind in accepted:
        if kind != "NAME" or not (text.startswith(",", e) or text.startswith(("(", " ("), e)):
            continue  # "Mrs Patel, 94," and "Mr Ellison (97)"
        m = _AGE_AFTER_NAME.match(text, e)
        if m and occupied.free(m.start(1), m.end(1)):
            occupied.add(m.start(1), m.end(1))
            extra.append((m.start(1), m.end(1), "AGE"))
    if extra:
        accepted.extend(extra)
        accepted.sort()


_TIME_NEXT = re.compile(
    r"\s*(?:-|–|to|and|or|,|&|then)\s*((?:[01]\d|2[0-3]):?[0-5]\d(?:\s*(?:hrs|hr|h)(?![a-z]))?)(?![\d.,:]\d)"
    + _UNIT_AFTER,
    re.IGNORECASE,
)


# What can stand first after a time and its white space in _TIME_NEXT ("-", "to", "and" ...,
# a letter in either case: no other character matches t, a or o ignoring case).
_JOINER_FIRST = frozenset("-–,&tTaAoO")


def _may_continue(text: str, e: int) -> bool:
    """Whether _TIME_NEXT can match at ``e``: after at most one space the next character
    must be a joiner's first or more white space. Most times are followed by a word
    ("14:30 the", "7 PM I"), and this spares the regex call for them."""
    c = text[e : e + 1]
    if c == " ":
        c = text[e + 1 : e + 2]
    return c in _JOINER_FIRST or c.isspace()


def _time_continuations(
    text: str, accepted: list[tuple[int, int, str]], occupied: _Occupancy
) -> None:
    """'0200-0400', 'at 0200, 0400, 0600': four-digit times following a time."""
    extra = []
    for _s, e, kind in accepted:
        while kind == "TIME" and _may_continue(text, e):
            m = _TIME_NEXT.match(text, e)
            if m is None or not occupied.free(m.start(1), m.end(1)):
                break
            occupied.add(m.start(1), m.end(1))
            extra.append((m.start(1), m.end(1), "TIME"))
            e = m.end(1)
    if extra:
        accepted.extend(extra)
        accepted.sort()


def _long_digit_runs(
    runs: list[tuple[int, int]], accepted: list[tuple[int, int, str]], occupied: _Occupancy
) -> None:
    """Safety net: any run of six or more digits (of the text's digit ``runs``) not already
    replaced becomes [ID] (the parts of it that no replacement or kept text covers)."""
    extra = []
    starts, ends = occupied.starts, occupied.ends
    for pos, end in runs:
        if end - pos < 6:
            continue
        i = bisect_right(starts, pos)
        if i and ends[i - 1] > pos:
            i -= 1
        while pos < end:
            if i < len(starts) and starts[i] < end:
                if starts[i] > pos:
                    extra.append((pos, starts[i], "ID"))
                pos = max(pos, ends[i])
                i += 1
            else:
                extra.append((pos, end, "ID"))
                break
    if extra:
        accepted.extend(extra)
        accepted.sort()
