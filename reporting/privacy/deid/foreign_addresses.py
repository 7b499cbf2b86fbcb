"""Street addresses in continental formats, and the postcode written after them.

The address branch in :mod:`.patterns` knows the English order (number, name, street
type: "22 Orchard Way"). Patients and relatives from abroad give addresses the other way
round: the street type first ("7 Rue des Lilas", "14 bis Avenue Jean Jaurès"), the house
number last ("Via Roma 12", "Calle Mayor 5, 3º izq", "Rua das Flores 88, apto 12"), or one
compound word ("Hauptstraße 5"). The postcode comes before the city ("75011 Paris",
"1100-053 Lisboa"). The whole street part with its floor and door is one [ADDRESS], the
postcode is [POSTCODE] and the city stays, as for UK addresses.

Only capitalised street words count, so "via the side door" or "route 3 times" stay.
"""

from __future__ import annotations

import re

_NAME = r"[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:['’-][^\W\d_]+)*"
_PARTICLE = (
    r"(?:de\s+la|de|des|du|d['’]|la|le|les|del|dels|della|delle|dei|degli|di|da|das|do|dos"
    r"|von|van|der|den|e|y|yr)"
)
_STREET_NAME = (
    r"(?:" + _PARTICLE + r"\s+)*" + _NAME + r"(?:\s+(?:" + _PARTICLE + r"\s+)*" + _NAME + "){0,3}"
)
_NUMBER_FIRST_TYPE = (
    r"(?:Rue|Avenue|Boulevard|Bd|Place|Allée|Chemin|Impasse|Quai|Route|Cours|Passage"
    r"|Rond-Point|Promenade|Heol|Ffordd|Stryd)"
)
_NUMBER_LAST_TYPE = (
    r"(?:Via|Viale|Piazza|Piazzale|Corso|Vicolo|Largo|Calle|Carrer|Avenida|Avda\.?|Plaza"
    r"|Paseo|Passeig|Camino|Carretera|Rambla|Ronda|Rua|Travessa|Praça|Estrada|Alameda)"
)
_COMPOUND = (
    r"[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|gasse|weg|allee|platz|damm|ufer|chaussee"
    r"|straat|laan|gracht|plein|kade)"
    r"|[A-ZÄÖÜ][a-zäöüß]+(?:er|es)\s+(?:Straße|Strasse|Weg|Platz|Allee|Gasse)"
)
_HOUSE = r"\d{1,4}[A-Za-z]?(?![\w/:.,]\d|\s*(?:%|mg|ml|times|patients|minutes|hours|days))"
# "3º izq", "2º Esq", "4ª dcha", "apto 12", "piso 3", "int. 5"
_DOOR = (
    r"(?:,?\s+(?:\d{1,2}\s*[ºª°]\s*(?:(?i:izq(?:uierda)?|dcha|der(?:echa)?|esq(?:uerdo|\.)?"
    r"|dto|dir(?:eito)?|drt?o|fte)\b|[A-Z]\b)?|(?i:apto|apt|ap|piso|planta|puerta|pta|int"
    r"|interno|scala|andar|bloco|bloque|esc|escalera)\.?\s*\d{1,4}[A-Za-z]?\b))"
)
_POSTCODE = (
    # the postcode before the city: "75011 Paris", "1100-053 Lisboa", "01310-100 São Paulo"
    r"(?:,?\s+(?P<pc>(?:[A-Z]{1,2}-)?(?:\d{4,5}(?:-\d{3})?|\d{4}\s?[A-Z]{2}))(?=\s+[A-ZÀ-Þ]))?"
)
_ADDRESS_AT = re.compile(
    r"(?P<a>\d{1,4}(?:\s*(?:bis|ter)\b|[A-Za-z]\b)?,?\s+"
    + _NUMBER_FIRST_TYPE
    + r"\s+"
    + _STREET_NAME
    + r"|"
    + _NUMBER_LAST_TYPE
    + r"\s+"
    + _STREET_NAME
    + r",?\s+"
    + _HOUSE
    + _DOOR
    + r"*|(?:"
    + _COMPOUND
    + r")\s+"
    + _HOUSE
    + _DOOR
    + r"*)"
    + _POSTCODE
)
_NUMBER_END = re.compile(r"(?<![\w.,/-])\d{1,4}(?:\s*(?:bis|ter)|[A-Za-z])?,?\s+$")
_WORD_START = re.compile(r"(?:[A-ZÄÖÜ][a-zäöüß]+\s+)?[A-ZÄÖÜ][a-zäöüß]*$")
# Street words that start with a capital are found by one alternation of literals (the
# regex engine skips to its first letters quickly); compound endings by str.find.
_ANCHORS = re.compile(
    r"Rue|Av|Boulevard|Pla|All|Chemin|Impasse|Quai|Via|Piazz|Corso|Calle|Carrer|Paseo|Rua"
    r"|Travessa|Praça|Stra|Heol|Ffordd|Stryd"
)
_COMPOUND_ANCHORS = ("stra", "gasse", "platz")


def _anchors(text: str):
    yield from (m.start() for m in _ANCHORS.finditer(text))
    for anchor in _COMPOUND_ANCHORS:
        i = text.find(anchor)
        while i != -1:
            yield i
            i = text.find(anchor, i + 1)


def _starts(text: str):
    """Where an address may start, for each anchor: the street word itself, the house
    number before it (French order) and the start of its word or of the word before
    ("Hauptstraße 5", "Berliner Straße 12")."""
    for i in _anchors(text):
        if not (i and text[i - 1].isalpha()):
            yield i
            if b := _NUMBER_END.search(text, max(0, i - 12), i):
                yield b.start()
        if b := _WORD_START.search(text, max(0, i - 30), i + 1):
            yield b.start()
        yield _word_start(text, i)


def _word_start(text: str, i: int) -> int:
    while i and text[i - 1].isalpha():
        i -= 1
    return i


def foreign_addresses(text: str) -> list[tuple[int, int, str]]:
    """Continental street addresses as [ADDRESS] and a postcode right after one (before
    the city) as [POSTCODE]; the comma between them and the city stay in the text."""
    found = {}
    for start in _starts(text):
        m = _ADDRESS_AT.match(text, start)
        if m and (start == 0 or not text[start - 1].isalnum()):
            found.setdefault(start, m)
    spans: list[tuple[int, int, str]] = []
    for start in sorted(found):
        m = found[start]
        if spans and start < spans[-1][1]:
            continue
        spans.append((m.start("a"), m.end("a"), "ADDRESS"))
        if m.start("pc") >= 0:
            spans.append((m.start("pc"), m.end("pc"), "POSTCODE"))
    return spans
