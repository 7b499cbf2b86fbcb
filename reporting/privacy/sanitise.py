"""Making free text safe to store: markup stripped, control characters removed.

bleach is the slowest step of filing (../shared/design/performance-notes.md), so it runs
only over text that can contain markup at all. The text is plain text, so an ampersand the
reporter typed is escaped before bleach reads it as HTML, and bleach's escaping is undone
once afterwards: "&lt;" typed stays "&lt;" (never becomes "<"), "A & B" stays "A & B". The
templates escape it when shown.
"""

from __future__ import annotations

import html
import re

import bleach

# C0/C1 controls other than tab and newline, and the Unicode characters that only reorder
# or hide text (bidi overrides, zero-width joiners used to smuggle content).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")
_SPACE_RUNS = re.compile(r"[ \t]{2,}")


def strip_markup(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text
    typed = text.replace("&", "&amp;")  # the reporter's "&" is text, not an entity
    cleaned = bleach.clean(typed, tags=set(), attributes={}, strip=True, strip_comments=True)
    return html.unescape(cleaned)


def clean_free_text(text: str) -> str:
    """Plain, tidy text: no markup, no control characters, no runs of blank space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    text = strip_markup(text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _SPACE_RUNS.sub(" ", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()
