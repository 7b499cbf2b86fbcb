"""Free text is stored as plain text: markup and control characters removed."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.privacy.sanitise import clean_free_text


def test_markup_is_stripped_but_clinical_comparisons_survive():
    assert clean_free_text("<b>BP</b> <script>alert(1)</script>was <90 & K+ >6") == (
        "BP alert(1)was <90 & K+ >6"
    )


def test_control_and_invisible_characters_are_removed():
    assert clean_free_text("a\x00b\x07c\u202ed\u200be") == "abcde"


def test_whitespace_is_tidied_not_lost():
    assert clean_free_text("  one  \r\n\r\n\r\n\r\ntwo\t\tthree  ") == "one\n\ntwo three"


def test_only_whitespace_becomes_empty():
    assert clean_free_text(" \n\t " * 1000) == ""


def test_typed_entities_stay_as_typed_and_never_become_markup():
    assert clean_free_text("&lt;script&gt;alert(1)&lt;/script&gt;") == (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert clean_free_text("A &amp; B, K+ &gt;6 & <i>Na</i> &#60;130") == (
        "A &amp; B, K+ &gt;6 & Na &#60;130"
    )


def test_only_real_markup_is_removed_and_comparisons_that_look_like_tags_stay():
    assert clean_free_text("a<b") == "a<b"
    assert clean_free_text("sats<sp and hr>100, K<5 and Na>130") == (
        "sats<sp and hr>100, K<5 and Na>130"
    )
    assert clean_free_text("<p title=\"a<b\">q</p><a href='x>y'>t</a>") == "qt"


def test_raw_text_elements_lose_their_tags_but_keep_their_words_escaped_once():
    assert clean_free_text("<textarea>A &amp; B</textarea><title>a<b</title>") == "A &amp; Ba<b"
    assert clean_free_text("<style>p{}</style>x<!-- hidden -->y<!-- open") == "p{}xy"


def _clean_every_step(text: str) -> str:
    """clean_free_text without its shortcuts: every step on every text."""
    from reporting.privacy import sanitise

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = sanitise._CONTROLS.sub("", text)
    text = sanitise.strip_markup(text)
    text = sanitise._TRAILING_SPACE.sub("\n", text)
    text = sanitise._SPACE_RUNS.sub(" ", text)
    text = sanitise._BLANK_RUNS.sub("\n\n", text)
    return text.strip()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*"ab <>/&;\t\n\r", "\x00", "\x0b", "\x1f", "\x7f", "\x85", "\u200b", "é", "<b>"]
        ),
        max_size=60,
    ).map("".join)
)
def test_the_shortcuts_change_nothing(text):
    assert clean_free_text(text) == _clean_every_step(text)
