"""Making free text safe to store: markup stripped, control characters removed.

The text is plain text that a reporter may have pasted from somewhere with markup in it, so
only what is unmistakably markup is removed: a comment, or a start or end tag of an element
HTML knows (``<b>``, ``</p>``, ``<img src=x onerror=…>``, ``<script>``). Everything else is
text, whatever an HTML parser would make of it: "sats<sp and hr>100" keeps ``<sp and hr>``,
"a<b" keeps its ``<b``, a typed "&lt;" stays "&lt;" (never becomes "<") and "A & B" stays
"A & B". The templates escape it when shown.

The tags are removed by nh3 (the ammonia sanitiser; bleach, used before, is deprecated
upstream and was the slowest step of filing, 150 µs against nh3's 7 µs for 1.5 KB): the text
around them is escaped first, so nh3 sees only the tags as markup, and its escaping is undone
once afterwards.
"""

from __future__ import annotations

import html
import re

import nh3

# C0/C1 controls other than tab and newline, and the Unicode characters that only reorder
# or hide text (bidi overrides, zero-width joiners used to smuggle content).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")
_SPACE_RUNS = re.compile(r"[ \t]{2,}")
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"  # a comment (an unterminated one runs to the end, as in HTML)
    r"|<(/?)([A-Za-z][A-Za-z0-9]*)(?=[\s/>])(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>",  # a tag
    re.S,
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Elements of HTML (WHATWG), SVG and MathML roots, and obsolete ones still parsed.
HTML_ELEMENTS = _word_set(
    """a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound
    big blink blockquote body br button canvas caption center cite code col colgroup data
    datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure font
    footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe image img
    input ins isindex kbd keygen label legend li link listing main map mark marquee math menu
    menuitem meta meter multicol nav nextid nobr noembed noframes noscript object ol optgroup
    option output p param picture plaintext portal pre progress q rb rp rt rtc ruby s samp
    script search section select slot small source spacer span strike strong style sub
    summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u
    ul var video wbr xmp"""
)
# Elements whose content an HTML parser reads as raw text, so escaped text inside them would
# come out escaped twice: their tags are removed here, and nh3 never sees them.
RAW_TEXT_ELEMENTS = _word_set(
    "iframe noembed noframes noscript plaintext script style textarea title xmp"
)


def _escape_all_but_markup(text: str) -> str:
    parts, at = [], 0
    for match in _MARKUP.finditer(text):
        name = match.group(2)
        if name is not None and name.lower() not in HTML_ELEMENTS:
            continue
        parts.append(html.escape(text[at : match.start()], quote=False))
        if name is None or name.lower() not in RAW_TEXT_ELEMENTS:
            parts.append(match.group(0))
        at = match.end()
    parts.append(html.escape(text[at:], quote=False))
    return "".join(parts)


def strip_markup(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text
    cleaned = nh3.clean(
        _escape_all_but_markup(text),
        tags=set(),
        clean_content_tags=set(),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )
    return html.unescape(cleaned)


# The ASCII controls _CONTROLS removes, as bytes: an ASCII text is checked for them with
# one C loop (bytes.translate) instead of a regular-expression scan.
_ASCII_CONTROLS = bytes(c for c in range(128) if _CONTROLS.match(chr(c)))


def _has_controls(text: str) -> bool:
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw.translate(None, _ASCII_CONTROLS)) != len(raw)
    return _CONTROLS.search(text) is not None


def clean_free_text(text: str) -> str:
    """Plain, tidy text: no markup, no control characters, no runs of blank space.

    Each step runs only when a cheap test (a substring, or the C loop above) says it has
    something to do: on the filing path most narratives need none of them, and the
    regular-expression scans cost 60 µs for 1.5 KB where the tests cost a few.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _has_controls(text):
        text = _CONTROLS.sub("", text)
    text = strip_markup(text)
    if "\t" in text or " \n" in text:
        text = _TRAILING_SPACE.sub("\n", text)
    if "\t" in text or "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()
