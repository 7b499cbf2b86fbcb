"""Tests for reporting.privacy.deid: the hand-written corpus, API invariants, properties, units."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.privacy.deid import TOKENS, Replacement, Scrubber, ScrubResult, scrub

CORPUS_PATH = Path(__file__).parent / "deid" / "corpus.jsonl"
CORPUS = [json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines() if line]
TOKEN_RE = re.compile(r"\[(?:" + "|".join(TOKENS) + r")\]")


# ----------------------------------------------------------------------------- corpus


def test_corpus_shape():
    assert len(CORPUS) >= 130
    ids = [row["id"] for row in CORPUS]
    assert len(ids) == len(set(ids))
    clean = [row for row in CORPUS if row["text"] == row["expected"]]
    assert len(clean) >= len(CORPUS) / 5
    for row in CORPUS:
        assert row["notes"]
        leftover = TOKEN_RE.sub("", row["expected"])
        assert "[" not in leftover or "[" in row["text"]


@pytest.mark.parametrize("row", CORPUS, ids=[row["id"] for row in CORPUS])
def test_corpus_expected(row):
    assert scrub(row["text"]).text == row["expected"]


@pytest.mark.parametrize("row", CORPUS, ids=[row["id"] for row in CORPUS])
def test_corpus_invariants(row):
    result = scrub(row["text"])
    again = scrub(result.text)
    assert again.text == result.text
    assert again.replacements == ()
    _check_result(row["text"], result)


def _check_result(original: str, result: ScrubResult) -> None:
    # segments round-trip and every token is marked
    segs = result.segments()
    assert "".join(s for s, _ in segs) == result.text
    assert [r for _, r in segs if r is not None] == list(result.replacements)
    # replacements point at their tokens, in order, and restoring them gives the input
    rebuilt = []
    for seg, rep in segs:
        if rep is None:
            rebuilt.append(seg)
        else:
            assert seg == "[" + rep.kind + "]"
            assert rep.kind in TOKENS
            assert result.text[rep.start : rep.end] == seg
            rebuilt.append(rep.original)
    assert "".join(rebuilt) == original


# ------------------------------------------------------------------------------- API


def test_empty_and_plain():
    assert scrub("") == ScrubResult("", ())
    assert scrub("   \n\t ").text == "   \n\t "
    r = scrub("No identifiers here.")
    assert r.text == "No identifiers here." and r.replacements == ()
    assert r.segments() == [("No identifiers here.", None)]


def test_replacement_originals_and_offsets():
    text = "Told Dr Patel at 14:30, MRN 00123456, call 07700 900123."
    r = scrub(text)
    assert r.text == "Told [NAME] at [TIME], MRN [ID], call [PHONE]."
    assert [(x.kind, x.original) for x in r.replacements] == [
        ("NAME", "Dr Patel"),
        ("TIME", "14:30"),
        ("ID", "00123456"),
        ("PHONE", "07700 900123"),
    ]
    first = r.replacements[0]
    assert isinstance(first, Replacement)
    assert (first.start, first.end) == (5, 11)
    _check_result(text, r)


def test_keep_leaves_chosen_strings():
    text = "Dr Patel gave Keppra at 14:30 on Ward 7B."
    assert scrub(text).text == "[NAME] gave Keppra at [TIME] on Ward 7B."
    kept = scrub(text, keep=["Dr Patel"])
    assert kept.text == "Dr Patel gave Keppra at [TIME] on Ward 7B."
    assert scrub(text, keep=["14:30", "Dr Patel"]).text == text
    assert scrub(text, keep=[""]).text == scrub(text).text


def test_keep_every_occurrence():
    text = "Tom said yes. Later Tom said no."
    assert scrub(text, keep=["Tom"]).text == text


def test_configured_names():
    s = Scrubber(names=["Zebedee Quackenbush", "Flurb"])
    assert s.scrub("zebedee quackenbush and FLURB were on shift").text == (
        "[NAME] and [NAME] were on shift"
    )
    assert s.scrub("Flurbish is not a name").text == "Flurbish is not a name"


def test_existing_tokens_untouched():
    text = "[NAME] told [NAME] about [DATE] and [TIME]."
    r = scrub(text)
    assert r.text == text and r.replacements == ()


def test_module_tokens():
    assert TOKENS == (
        "NAME",
        "EMAIL",
        "URL",
        "PHONE",
        "ID",
        "DATE",
        "TIME",
        "AGE",
        "ADDRESS",
        "POSTCODE",
        "BED",
    )


# ------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [
        "\x00" * 50,
        "Dr \x00Patel",
        "😀 Dr Patel 😀 at 14:30 😀",
        "مرحبا د. أحمد في الساعة 14:30",
        "שלום ד״ר כהן",
        " " * 1_000_000,
        "a" * 10_000,
        "1" * 10_000,
        "Dr " * 3000,
        "[NAME" * 1000,
        "12/" * 3000,
        "\u202eDr Patel\u202c",
        "Tom and Xyzzy " * 5000,
        "1234567 " * 5000,
        "Xyzzy " * 5000 + "Tom said",
    ],
)
def test_never_raises(text):
    r = scrub(text)
    _check_result(text, r)
    assert scrub(r.text).text == r.text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_property_never_raises_and_round_trips(text):
    r = scrub(text)
    _check_result(text, r)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_property_idempotent(text):
    once = scrub(text).text
    assert scrub(once).text == once


_digits = st.text(alphabet="0123456789", min_size=12, max_size=30)
_filler = st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_filler, _digits), min_size=1, max_size=4), _filler)
def test_property_long_digit_runs_removed(parts, tail):
    text = "".join(a + b for a, b in parts) + tail
    out = scrub(text).text
    for _, digits in parts:
        assert digits not in out
    assert not re.search(r"\d{12,}", out)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Dr Patel",
                "5 mg",
                "at 14:30",
                "GCS 8/15",
                "07700 900123",
                "Ward 7B",
                "a 93-year-old",
                "on 12/03/2024",
                "K+ 6.2",
                "told Aisha",
                " ",
                ".",
                ",",
                "\n",
                "NHS number 943 476 5919",
            ]
        ),
        max_size=25,
    )
)
def test_property_clinical_mix_idempotent(parts):
    text = " ".join(parts)
    r = scrub(text)
    _check_result(text, r)
    assert scrub(r.text).text == r.text


_CORPUS_SENTENCES = sorted(
    {sent for row in CORPUS for sent in re.split(r"(?<=[.!?])\s+", row["text"]) if sent}
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_CORPUS_SENTENCES), min_size=1, max_size=8),
    st.sampled_from([" ", "\n", "  "]),
)
def test_property_corpus_sentences_idempotent(sentences, sep):
    """Corpus sentences recombined into new narratives: idempotent and round-trips."""
    text = sep.join(sentences)
    r = scrub(text)
    _check_result(text, r)
    assert scrub(r.text).text == r.text


# ------------------------------------------------------------------- identifier classes

UNITS = [
    # names
    ("Dr Patel reviewed him.", "[NAME] reviewed him."),
    ("Asked Dr. J. R. Okafor to come.", "Asked [NAME] to come."),
    ("Staff Nurse O'Brien was in charge.", "[NAME] was in charge."),
    ("the registrar, Priya Nair, said no", "the registrar, [NAME], said no"),
    ("my charge nurse Tom rang", "my charge nurse [NAME] rang"),
    ("dr smith and nurse kelly", "[NAME] and [NAME]"),
    ("Dr Patel's patient", "[NAME]'s patient"),
    ("I told Aisha about it.", "I told [NAME] about it."),
    ("Sister Grace found her.", "[NAME] found her."),
    ("Mrs Nguyen Thi Lan in bed 4", "[NAME] in bed [BED]"),
    ("Dr van der Berg agreed", "[NAME] agreed"),
    ("Prof Kowalczyk-Nowak", "[NAME]"),
    ("Mr Papadopoulos in bay 2", "[NAME] in bay 2"),
    ("Siobhán the scrub nurse", "[NAME] the scrub nurse"),
    # e-mail, URL
    ("mail a.b@example.nhs.uk now", "mail [EMAIL] now"),
    ("see https://example.org/x?y=1.", "see [URL]."),
    ("see www.example.com/abc", "see [URL]"),
    # phones
    ("ring 07700 900123", "ring [PHONE]"),
    ("ring +44 20 7946 0958", "ring [PHONE]"),
    ("ring (020) 7946 0958", "ring [PHONE]"),
    ("call (415) 555-0132", "call [PHONE]"),
    ("call 415-555-0132", "call [PHONE]"),
    ("call +1 415 555 0132", "call [PHONE]"),
    ("mobile 0412 345 678", "mobile [PHONE]"),
    ("ring +91 98765 43210", "ring [PHONE]"),
    ("bleep 2345 or pager 2346", "bleep [PHONE] or pager [PHONE]"),
    ("on ext 4521", "on ext [PHONE]"),
    ("try x4521", "try [PHONE]"),
    # ids
    ("NHS number 943 476 5919", "NHS number [ID]"),
    ("MRN 00123456", "MRN [ID]"),
    ("hospital number RX1234567", "hospital number [ID]"),
    ("staff ID 40012", "staff ID [ID]"),
    ("employee no. E-55821", "employee no. [ID]"),
    # dates
    ("on 12/03/2024", "on [DATE]"),
    ("on 2024-03-12", "on [DATE]"),
    ("on 12 March 2024", "on [DATE]"),
    ("on March 12th", "on [DATE]"),
    ("on the 3rd of March", "on the [DATE]"),
    ("on 12.03.24", "on [DATE]"),
    ("on 12-Mar-2024", "on [DATE]"),
    ("on Tuesday 12th March", "on Tuesday [DATE]"),
    # times
    ("at 14:30", "at [TIME]"),
    ("at 2.30pm", "at [TIME]"),
    ("at 0300", "at [TIME]"),
    ("at 3am", "at [TIME]"),
    ("at 0300hrs", "at [TIME]"),
    ("at 11 o'clock", "at [TIME]"),
    # ages
    ("a 93-year-old", "a [AGE]-year-old"),
    ("aged 97", "aged [AGE]"),
    ("she is 101 years old", "she is [AGE] years old"),
    # addresses and postcodes
    ("lives at 14 Elm Grove", "lives at [ADDRESS]"),
    ("at 221B Baker Street", "at [ADDRESS]"),
    ("at Flat 3, 12 Station Road", "at [ADDRESS]"),
    ("postcode SW1A 1AA", "postcode [POSTCODE]"),
    ("near M13 9WL", "near [POSTCODE]"),
    ("Springfield, IL 62704", "Springfield, IL [POSTCODE]"),
    # more formats and cues
    ("at 1530h then 15h30 then 7:00AM", "at [TIME] then [TIME] then [TIME]"),
    ("call (02) 9876 5432 or 1800 123 456", "call [PHONE] or [PHONE]"),
    ("NHI ABC1234", "NHI [ID]"),
    ("Medicare no 2123 45670 1", "Medicare no [ID]"),
    ("Pt 95F with #NOF", "Pt [AGE]F with #NOF"),
    ("The patient is 94 and frail.", "The patient is [AGE] and frail."),
    ("previously Unit 5/12 Smith St, Bondi", "previously [ADDRESS], Bondi"),
    ("Spoke with Eoghan and Anneliese.", "Spoke with [NAME] and [NAME]."),
    ("Zofia and Blessing worked. Blessing is great.", "[NAME] and [NAME] worked. [NAME] is great."),
    ("Father Brendan came.", "[NAME] came."),
    ("Student nurse Bethany was alone.", "Student nurse [NAME] was alone."),
    ("later by Sister Mwangi.", "later by [NAME]."),
    ("between 0200-0400 and from 0730 to 0800", "between [TIME]-[TIME] and from [TIME] to [TIME]"),
    ("Obs at 0200, 0400, 0600 all normal.", "Obs at [TIME], [TIME], [TIME] all normal."),
    ("ECG at 13.45, trop at 14.15.", "ECG at [TIME], trop at [TIME]."),
    ("Dr\u00a0Patel", "[NAME]"),
    ("Told the Hassan family.", "Told the [NAME] family."),
    (
        "with one HCA, Precious. Precious went for help.",
        "with one HCA, [NAME]. [NAME] went for help.",
    ),
    ("son (07789 654321) rang", "son ([PHONE]) rang"),
    ("bleeped x3 on 1187 and waited", "bleeped x3 on [PHONE] and waited"),
]


@pytest.mark.parametrize(("text", "expected"), UNITS, ids=[u[0] for u in UNITS])
def test_identifier_classes(text, expected):
    assert scrub(text).text == expected


KEPT = [
    "Keppra 500 mg BD, Lasix 40mg, Ativan 2 mg, Warfarin, Clexane 80 mg",
    "Tazocin 4.5 g, Augmentin, Heparin 0.5 mL/h, Morphine, Rocuronium",
    "40mg/kg, adrenaline 1:1000, pain 7/10, GCS 8/15",
    "K+ 6.2, Hb 74 g/L, INR 4.5, BP 150/90",
    "for 3 days, 2/52 of antibiotics, review in 6/12, obs q4h",
    "Glasgow Coma Scale, Foley catheter, Guedel airway",
    "Parkinson's disease, Alzheimer's, Crohn's, Down syndrome",
    "Hartmann's procedure, Whipple, Waterlow score, Braden scale",
    "NEWS2 of 7, SBAR, Datix, PICC",
    "Ward 7B, Bay 3, Rainbow Ward, Nightingale ward, Resus 2",
    "Theatre 4, Bay C, bay 3",
    "a 67-year-old, aged 45, an 89-year-old",
    "on Monday, in March, every Tuesday",
    "the registrar, the charge nurse, the consultant, the HCA, the FY1, the SHO",
    "Oxycodone MR 20 mg and Zomorph MR 30 mg",
    "PATIENT GIVEN WRONG INSULIN. DATIX DONE.",
    "Transferred to St Mary's for PCI.",
    "The nurse said the sister in charge agreed.",
    "Will the ward get an HCA? May is busy. Grace periods ended.",
    "Ratio was 1:8 on nights and 1:12 on days.",
    "Door-to-balloon time was 140 minutes, lactate 4.1 after 2 hours.",
    "Used a Jackson Rees circuit and a Baxter pump.",
    "Moved to Victoria Ward, then Albert Ward.",
    "Transferred to San Francisco, then Mount Vernon.",
    "Burns to the hand. Shin laceration. Grant funding cut.",
    "Allen's test not done. Wells score 6. Bristol stool chart type 7.",
    "Do not resuscitate. Will review. May need a PICC.",
    "Fluids from 1200 to 1500 mL, potassium at 5.45, ratio 1:12.",
    "Patient Advice and Liaison Service said we would get a reply.",
    "Intubated at the second attempt with a McGrath.",
]


@pytest.mark.parametrize("text", KEPT)
def test_clinical_text_kept(text):
    assert scrub(text).text == text


# --------------------------------------------------------------- fast scan equivalence


def _struct_spans(matches):
    return [(m.span(), m.lastgroup) for m in matches]


@pytest.mark.parametrize("row", CORPUS, ids=[row["id"] for row in CORPUS])
def test_candidate_scan_equals_plain_scan(row):
    from reporting.privacy import deid

    text = row["text"]
    assert _struct_spans(deid._matches(text)) == _struct_spans(deid._matches_reference(text))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "at",
                "on",
                "MRN",
                "bleep",
                "Tuesday",
                "March",
                "aged",
                "she is",
                "Flat",
                "Rosewood Court,",
                "IL",
                "SW1A",
                "RX",
                "x",
                "+",
                "(",
                "-",
                "/",
                ":",
                ".",
                ",",
                " ",
                "12",
                "3",
                "0300",
                "93",
                "2024",
                "07700",
                "900123",
                "Baker Street",
                "pm",
                "1AA",
                "é",
                "court",
                "@",
                "\n",
                "NHS number",
            ]
        ),
        max_size=30,
    )
)
def test_property_candidate_scan_equals_plain_scan(parts):
    from reporting.privacy import deid

    for sep in ("", " "):
        text = sep.join(parts)
        assert _struct_spans(deid._matches(text)) == _struct_spans(deid._matches_reference(text)), (
            text
        )


def _tokens_by_whole_scan(text):
    """The words and offsets of one scan of the whole text (grades joined), which the
    cached cut of each space-separated chunk must reproduce."""
    from reporting.privacy.deid.tokens import _cut

    words, pos = [], 0
    for piece in _cut(text):
        if not piece.isspace():
            words.append((piece, pos, pos + len(piece)))
        pos += len(piece)
    return words


def _tokens_by_chunks(text):
    from reporting.privacy.deid.tokens import _tokens

    toks, starts, ends = _tokens(text)
    assert all(text[s:e] == t.text for t, s, e in zip(toks, starts, ends, strict=True))
    return [(t.text, s, e) for t, s, e in zip(toks, starts, ends, strict=True)]


@pytest.mark.parametrize("row", CORPUS, ids=[row["id"] for row in CORPUS])
def test_chunked_tokens_equal_a_whole_scan(row):
    text = row["text"]
    for variant in (text, text.replace(" ", "  "), text.replace(" ", "\n"), " " + text + " "):
        assert _tokens_by_chunks(variant) == _tokens_by_whole_scan(variant)


_WORD_PARTS = ["FY", "fy", "PGY", "st", "Dr.", "J.", "S.", "O'Brien", "’s", "a", "é", "[NAME]"]
_OTHER_PARTS = ["1", "2", "3", "-", ",", ".", "12:30", " ", "  ", "\n", "\t", "\xa0", "\u2003"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORD_PARTS + _OTHER_PARTS)))
def test_property_chunked_tokens_equal_a_whole_scan(parts):
    text = "".join(parts)
    assert _tokens_by_chunks(text) == _tokens_by_whole_scan(text), text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Pt in bed 14 on Ward 7B", "Pt in bed [BED] on Ward 7B"),
        ("bay 3 bed 2, then side room 12", "bay 3 bed [BED], then side room [BED]"),
        ("moved to SR4 from cubicle 6a", "moved to SR[BED] from cubicle [BED]"),
        ("Bay C bed 6 and beds 3, 4 & 7", "Bay C bed [BED] and beds [BED], [BED] & [BED]"),
        (
            "Room 12A, rm 101, bedspace 9, trolley 12",
            "Room [BED], rm [BED], bedspace [BED], trolley [BED]",
        ),
    ],
)
def test_bed_and_room_numbers_are_replaced_and_the_bay_and_ward_kept(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "room for 2 nurses",
        "bed 3 days post op",
        "3 beds closed",
        "the bedside",
        "Bay 3",
        "1:1 in bed",
    ],
)
def test_numbers_near_bed_words_that_are_not_bed_numbers_stay(text):
    assert scrub(text).text == text


def test_allowed_kinds_stay_as_written_and_the_rest_is_still_replaced():
    text = "On 12 March 2026 at 14:30 Dr Okafor moved the handover; ring 07700 900123."
    assert scrub(text).text == "On [DATE] at [TIME] [NAME] moved the handover; ring [PHONE]."
    kept = scrub(text, allow={"DATE", "TIME"})
    assert kept.text == "On 12 March 2026 at 14:30 [NAME] moved the handover; ring [PHONE]."
    assert {r.kind for r in kept.replacements} == {"NAME", "PHONE"}
