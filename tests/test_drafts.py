"""The draft between review steps: sealed to the session, restorable, tracked across edits."""

from reporting.privacy import drafts
from reporting.privacy.deid import Replacement, ScrubResult

SECRET = "s" * 64


def result(text, *replacements):
    return ScrubResult(text=text, replacements=tuple(replacements))


def test_sealed_draft_opens_only_in_the_same_session():
    draft = drafts.Draft([drafts.Replaced("NAME", "Dr Okafor")], ["Ward 7B"])
    token = drafts.seal_draft(draft, SECRET, "nonce-1")
    assert "Okafor" not in token
    assert drafts.open_draft(token, SECRET, "nonce-1") == draft
    assert drafts.open_draft(token, SECRET, "nonce-2") is None
    assert drafts.open_draft(token, "t" * 64, "nonce-1") is None
    assert drafts.open_draft("garbage!", SECRET, "nonce-1") is None
    assert drafts.open_draft(token, SECRET, None) is None


def test_new_replacements_carry_their_originals():
    scrubbed = result("[NAME] gave it", Replacement("NAME", "Dr Okafor", 0, 6))
    draft = drafts.track(drafts.Draft(), scrubbed)
    assert draft.replaced == [drafts.Replaced("NAME", "Dr Okafor")]


def test_earlier_tokens_keep_their_originals_after_an_edit():
    previous = drafts.Draft(
        [drafts.Replaced("NAME", "Dr Okafor"), drafts.Replaced("PHONE", "07700 900123")]
    )
    text = "Late. [NAME] then [TIME] and [PHONE]"
    edited = result(
        text, Replacement("TIME", "3am", text.index("[TIME]"), text.index("[TIME]") + 6)
    )
    draft = drafts.track(previous, edited)
    assert [r.original for r in draft.replaced] == ["Dr Okafor", "3am", "07700 900123"]


def test_a_deleted_token_drops_out_and_an_unknown_one_has_no_original():
    previous = drafts.Draft([drafts.Replaced("NAME", "A"), drafts.Replaced("NAME", "B")])
    draft = drafts.track(previous, result("only [NAME] and a typed [EMAIL]"))
    assert len(draft.replaced) == 2
    assert draft.replaced[0].original in {"A", "B"}
    assert draft.replaced[1] == drafts.Replaced("EMAIL", None)


def test_restore_puts_back_only_the_chosen_original_and_keeps_it():
    draft = drafts.Draft([drafts.Replaced("NAME", "Dr Okafor"), drafts.Replaced("PHONE", "0770")])
    text, after = drafts.restore("[NAME] on [PHONE]", draft, {1})
    assert text == "[NAME] on 0770"
    assert after.kept == ["0770"]
    assert after.replaced == [drafts.Replaced("NAME", "Dr Okafor")]


def test_marked_segments_cover_the_text():
    draft = drafts.Draft([drafts.Replaced("NAME", "X")])
    segments = drafts.marked("Hi [NAME]!", draft)
    assert "".join(s for s, _, _ in segments) == "Hi [NAME]!"
    assert [i for _, i, _ in segments] == [None, 0, None]
