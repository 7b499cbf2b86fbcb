"""Identifiers written in words and in foreign formats (reporting.privacy.deid.spoken,
short_numbers, foreign_addresses): each class with its positive cases and the traps
that must stay, through the whole scrubber."""

from __future__ import annotations

import pytest

from reporting.privacy.deid import scrub
from reporting.privacy.deid.foreign_addresses import foreign_addresses
from reporting.privacy.deid.short_numbers import seven_digit_phones, weekday_day_month
from reporting.privacy.deid.spoken import ages_in_words, ordinal_dates, times_in_words

FUNCTIONS = (
    ages_in_words,
    times_in_words,
    ordinal_dates,
    weekday_day_month,
    seven_digit_phones,
    foreign_addresses,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A ninety-two year old lady came up.", "A [AGE] year old lady came up."),
        ("Called to a ninety-four-year-old man.", "Called to a [AGE]-year-old man."),
        ("His wife, aged ninety-one, was there.", "His wife, aged [AGE], was there."),
        ("a lady who is a hundred and two", "a lady who is a [AGE]"),
        ("a man who is ninety-nine and frail", "a man who is [AGE] and frail"),
        ("The ninety-nine year old was moved.", "The [AGE] year old was moved."),
        ("she's ninety today", "she's [AGE] today"),
        ("one hundred and one years old", "[AGE] years old"),
        ("- Bay A: Mr P., ninety-three, new AF", "- Bay A: [NAME], [AGE], new AF"),
        ("a 93F with sepsis", "a [AGE]F with sepsis"),
    ],
)
def test_ages_in_words_over_89(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "her eighty-seven year old husband went home",
        "aged eighty-nine",
        "ninety minutes later the bloods came back",
        "we had a hundred and two patients in ED",
        "that was ninety years ago",
        "sats were ninety-two percent",
        "over ninety patients waited",
    ],
)
def test_ages_under_90_and_counts_stay(text):
    assert scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at half past three in the morning", "at [TIME]"),
        ("found at about quarter to six.", "found at about [TIME]."),
        ("all by ten past five.", "all by [TIME]."),
        ("a section at ten to four. Baby was fine", "a section at [TIME]. Baby was fine"),
        ("I finally left at half six - late", "I finally left at [TIME] - late"),
        ("told at four o'clock that", "told at [TIME] that"),
        ("rang his bell around 3 in the morning and", "rang his bell around [TIME] and"),
        ("break at quarter past ten at night.", "break at [TIME]."),
        ("At about half past one in the morning the reg", "At about [TIME] the reg"),
        ("went at 8 in the evening with", "went at [TIME] with"),
        ("at four in the morning when", "at [TIME] when"),
        ("twenty-five past two", "[TIME]"),
        ("at a quarter to nine", "at [TIME]"),
    ],
)
def test_times_in_words(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "waited for half an hour",
        "three hours on the floor",
        "we were half past the desk when it alarmed",
        "it takes ten to fifteen minutes",
        "ten to twelve patients a nurse",
        "give one in the morning and one at night",
        "half six-hourly obs",
        "two and a half hours",
        "a 1 in 3 chance",
    ],
)
def test_durations_and_ranges_stay(text):
    assert scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not taken since the 3rd, even though", "not taken since the [DATE], even though"),
        ("On the 14th the level came back", "On the [DATE] the level came back"),
        ("it would be 'by the 10th'", "it would be 'by the [DATE]'"),
        ("Induction was booked for the 12th but", "Induction was booked for the [DATE] but"),
        ("daily until the 9th.", "daily until the [DATE]."),
        ("agency here since the 2nd and", "agency here since the [DATE] and"),
    ],
)
def test_bare_ordinal_dates(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "the 3rd time this month on the 4th floor",
        "he'd had the 2nd dose of the day",
        "the 4th dose was late",
        "started on 2nd line chemo",
        "by the 3rd attempt",
        "for the 2nd time",
    ],
)
def test_ordinals_followed_by_a_noun_stay(text):
    assert scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nights for Wed 19/02 and Thurs 20/02", "nights for Wed [DATE] and Thurs [DATE]"),
        ("on Fri 21/2 the ward", "on Fri [DATE] the ward"),
        ("coordinator on Sat 14/10 and", "coordinator on Sat [DATE] and"),
        ("Monday, 3/11 was busy", "Monday, [DATE] was busy"),
    ],
)
def test_weekday_day_month(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["a review in 2/52", "repeat CT in 6/12", "score 3/10 on Wed", "Wed 45/12", "Sat 3/4/5 ratio"],
)
def test_day_month_without_weekday_or_invalid_stays(text):
    assert scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tells families to 'call 555-0199 out of hours'",
            "tells families to 'call [PHONE] out of hours'",
        ),
        (
            "tell them to ring 4567890, the direct line",
            "tell them to ring [PHONE], the direct line",
        ),
        ("phoned us on 555 0123 twice", "phoned us on [PHONE] twice"),
    ],
)
def test_seven_digit_phones_after_a_cue(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["then dialled 999 when", "a neighbor called 911", "during a 2222 call", "call 555-01999"],
)
def test_short_emergency_numbers_stay(text):
    assert scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("posted to 7 Rue des Lilas, 75011 Paris.", "posted to [ADDRESS], [POSTCODE] Paris."),
        (
            "his new one, 14 bis Avenue Jean Jaurès, 69007 Lyon, was in the notes",
            "his new one, [ADDRESS], [POSTCODE] Lyon, was in the notes",
        ),
        ("sent to Via Roma 12, 20121 Milano, but", "sent to [ADDRESS], [POSTCODE] Milano, but"),
        (
            "go to Calle Mayor 5, 3º izq, 28013 Madrid where",
            "go to [ADDRESS], [POSTCODE] Madrid where",
        ),
        (
            "his wife at Rua Augusta 120, 2º Esq, 1100-053 Lisboa, but",
            "his wife at [ADDRESS], [POSTCODE] Lisboa, but",
        ),
        ("their son at Hauptstraße 5, 10115 Berlin.", "their son at [ADDRESS], [POSTCODE] Berlin."),
        ("lives at Berliner Straße 12 now", "lives at [ADDRESS] now"),
    ],
)
def test_continental_addresses_and_postcodes(text, expected):
    assert scrub(text).text == expected


def test_brazilian_address_spans():
    text = "record was Rua das Flores 88, apto 12, 01310-100 São Paulo, so"
    spans = [(text[s:e], k) for s, e, k in foreign_addresses(text)]
    assert spans == [("Rua das Flores 88, apto 12", "ADDRESS"), ("01310-100", "POSTCODE")]


@pytest.mark.parametrize(
    "text",
    [
        "sent via the side door at 3",
        "Via ED 2 patients came up",
        "route 3 times a day",
        "the Avenue ward had 12 beds",
        "Place 2 cannulas",
        "administration 5 mg",
    ],
)
def test_street_words_that_are_not_addresses_stay(text):
    assert foreign_addresses(text) == []


@pytest.mark.parametrize("fn", FUNCTIONS, ids=[f.__name__ for f in FUNCTIONS])
def test_passes_return_sorted_spans_inside_the_text(fn):
    text = (
        "A ninety-two year old at half past three since the 3rd on Wed 19/02, call 555-0199, "
        "7 Rue des Lilas, 75011 Paris. " * 3
    )
    spans = fn(text)
    assert spans
    assert spans == sorted(spans)
    assert all(0 <= s < e <= len(text) for s, e, _ in spans)


def test_idempotent_on_scrubbed_text():
    text = (
        "A ninety-two year old lady at half past three in the morning since the 3rd, "
        "on Wed 19/02 call 555-0199, posted to 7 Rue des Lilas, 75011 Paris."
    )
    once = scrub(text).text
    assert scrub(once).text == once
    assert scrub(once).replacements == ()
