"""The shortcuts that choose where the structured pattern is tried must never skip a
position where it matches (reporting.privacy.deid.candidates)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.privacy.deid.candidates import _may_be_address, digit_runs
from reporting.privacy.deid.patterns import _STRUCT_ADDR

_ATOMS = [
    *("1", "23", "456", "7890", "12345", "٣", "²", "a", "B", " ", "  ", "\xa0", "\n", ","),
    *("Flat ", "High ", "Street", "St", "Road", "Mill ", "Lane", "x", "-", "'", "O'Neil "),
    *("Apt 4", "House, ", "North", "/", ".", "12b ", "7, ", "9A,\xa0"),
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=10))
def test_property_address_shortcut_never_skips_a_match(parts):
    text = "".join(parts)
    for start, end in digit_runs(text):
        if _STRUCT_ADDR.match(text, start) is not None:
            assert _may_be_address(text, start, end), text
    for pos, ch in enumerate(text):
        if ch.isdigit() and _STRUCT_ADDR.match(text, pos) is not None:
            assert _may_be_address(text, pos, None), text


def test_address_shortcut_examples():
    text = "at 12 High Street, bed 4 and 11/02 then 12345 Main Road"
    runs = dict(digit_runs(text))
    assert _may_be_address(text, 3, runs[3])  # "12 High Street"
    assert not _may_be_address(text, text.index("11"), runs[text.index("11")])
    assert not _may_be_address(text, text.index("12345"), runs[text.index("12345")])
