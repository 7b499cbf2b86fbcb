"""The cues that say a word is a person, or a month or a day, found on a third corpus.

Each case is a class of miss or over-removal measured on tests/deid/unseen2.jsonl before
these rules were written (narratives by another author, who never read the scrubber):
a word that may be a name placed where someone works ("Ruby on the ward stopped it"),
acting as only a person does ("Jenifer told me"), named in brackets after a grade, joined
by text-speak's "n", recurring after a short sentence, or nicknamed; and on the other side
months, days, sign-offs, products and a sentence boundary read as a cue.
"""

from __future__ import annotations

import pytest

from reporting.privacy.deid import scrub

CAUGHT = [
    # where someone works, then a verb
    ("Ruby on the ward stopped the infusion.", "[NAME] on the ward stopped the infusion."),
    (
        "Summer in the office said it was signed off.",
        "[NAME] in the office said it was signed off.",
    ),
    (
        "Bill from finance told me the agency would bill the trust.",
        "[NAME] from finance told me the agency would bill the trust.",
    ),
    (
        "Only 2 porters. Reed on security had to help us lift.",
        "Only 2 porters. [NAME] on security had to help us lift.",
    ),
    ("Archer from the recovery team wasn't told.", "[NAME] from the recovery team wasn't told."),
    # a verb only a person does, or an age, opening a clause
    ("Jenifer told me not to do the turn.", "[NAME] told me not to do the turn."),
    ("The team missed it and Sterling started CPR.", "The team missed it and [NAME] started CPR."),
    ("Sky was leading the restraint.", "[NAME] was leading the restraint."),
    ("and Rain kept asking to turn him.", "and [NAME] kept asking to turn him."),
    ("Cliff is 84 with end-stage heart failure.", "[NAME] is 84 with end-stage heart failure."),
    # a grade or role, then the name in brackets
    ("a B7 (Marsha) on the rota", "a B7 ([NAME]) on the rota"),
    # lower case: a bracketed role, text-speak's "and", a recurrence after "it."
    ("will (my mentor) said pt wud b fine", "[NAME] (my mentor) said pt wud b fine"),
    ("so me n jess were the only 2 on bay c", "so me n [NAME] were the only 2 on bay c"),
    (
        "the F1 dan put it in. i reported it. dan is nice but",
        "the F1 [NAME] put it in. i reported it. [NAME] is nice but",
    ),
    # nicknames, titles and particles: no word of the name survives
    ("Little Steve and me were sent.", "[NAME] and me were sent."),
    ("Doc Mo wrote up 40mmol of potassium.", "[NAME] wrote up 40mmol of potassium."),
    ("I was overruled by Dr Khalid al-Hashimi.", "I was overruled by [NAME]."),
    ("Dr de los Santos told the nurses.", "[NAME] told the nurses."),
    ("Sra. da Costa (physio) had to stop it.", "[NAME] (physio) had to stop it."),
    # a team named in a few words, a role said of the word, a signature (unseen3)
    ("Eve from the night team said it was there.", "[NAME] from the night team said it was there."),
    (
        "Chase from the hospital ambulance liaison said no.",
        "[NAME] from the hospital ambulance liaison said no.",
    ),
    (
        "Rich on the registrar rota never answered his bleep.",
        "[NAME] on the registrar rota never answered his bleep.",
    ),
    ("Hazel our carer noticed it.", "[NAME] our carer noticed it."),
    (
        "Rang 999. Iris her neighbour let the crew in.",
        "Rang 999. [NAME] her neighbour let the crew in.",
    ),
    ("Autumn was the second midwife.", "[NAME] was the second midwife."),
    ("The bottle was still full. Lou", "The bottle was still full. [NAME]"),
    ("I don't know what else to say. JEN", "I don't know what else to say. [NAME]"),
    # particles in a row, and a name the lexicon does not know before a found one
    ("Dr Pieter van der Berg asked for it.", "[NAME] asked for it."),
    ("Dr José María de la Fuente switched it.", "[NAME] switched it."),
    ("Thavaseelan Kandiah asked me to swap it.", "[NAME] asked me to swap it."),
    # a dotted time with a.m., a number after "paged"
    ("Was back on the ward at 12.30 a.m.", "Was back on the ward at [TIME]"),
    ("then paged 5521 twice", "then paged [PHONE] twice"),
    ("- no obs since 0900", "- no obs since [TIME]"),
    ("I paged the attending at 4418.", "I paged the attending at [PHONE]."),
    ("I paged the reg at 0300.", "I paged the reg at [TIME]."),
    ("a resident turning a hundred and one", "a resident turning a [AGE]"),
    (
        "Tag wrong; Ken MacLeod on the mortuary desk noticed.",
        "Tag wrong; [NAME] on the mortuary desk noticed.",
    ),
    ("Jim Baker (porter) told me.", "[NAME] (porter) told me."),
    ("NBM since 2200 hrs", "NBM since [TIME]"),
    # ages over 89 beside a name, or of a relative in words
    ("Visited Mr Ellison (97) at home.", "Visited [NAME] ([AGE]) at home."),
    (
        "Her sister is a hundred and one and lives with her.",
        "Her sister is a [AGE] and lives with her.",
    ),
]

KEPT = [
    "It has been wrong since April, 1mg/kg BD.",
    "I raised it in June last year too.",
    "The neuro team said they'd sort it but then Friday came and nobody did.",
    "Rain started again and the roof leaked.",
    "A lady was given her husband's Sando-K by mistake.",
    "Found him hypo on the floor. Gave Lucozade. Rang his daughter.",
    "Cross-match stopped. Incident logged.",
    "Methotrexate prescribed daily instead of weekly.",
    "Procurement said there was a national shortage.",
    "We've asked for a ban on handwritten insulin.",
    "Posting from the surgical ICU.",
    "Overheard Sister telling a student.",
    "We had no Sara Stedy on Willow ward and had to borrow one.",
    "Senna and Movicol were still being given.",
    "Patient had a GI bleed. Prescriber was a locum.",
    "A visit in Tralee, Co. Kerry was missed.",
    "A lady was given her husband's tablets.",
    "We have been short since 2019 and nobody listens.",
    "Heparin since 1000 units were given.",
]


@pytest.mark.parametrize(("text", "expected"), CAUGHT)
def test_caught(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize("text", KEPT)
def test_kept(text):
    assert scrub(text).text == text


def test_a_month_is_a_month_though_the_same_word_is_a_person_later():
    text = "Wrong since April, 1mg/kg BD. April on the ward checked it with me."
    assert (
        scrub(text).text == "Wrong since April, 1mg/kg BD. [NAME] on the ward checked it with me."
    )


def test_a_sign_off_word_is_not_part_of_the_name():
    text = "Nurse in charge shouted at me. Cheers, Benny"
    assert scrub(text).text == "Nurse in charge shouted at me. Cheers, [NAME]"
