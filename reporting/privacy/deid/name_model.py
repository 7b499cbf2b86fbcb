"""The name model: whether a word is more likely a person's name than an everyday word.

The bundled word lists (:mod:`.name_list`, :mod:`.vocabulary`) know a few thousand names;
reporters use many more, and many are also English words ("Grace", "Will", "Precious"). The
lexicon (:mod:`.lexicon`) scores each token by how common it is as a given name, as a
surname and as an English word, so the rules can ask:

- ``given_like``: common as a given name (Grace, Bill, Precious, Mbali): a name where the
  context says a person is meant (capitalised mid-sentence, or a cue nearby);
- ``surname_like``: common as a family name (Porter, Bell, Wood): a name after a given name
  or a title, even when it is also a word;
- ``probable_name``: much more common as a name than as a word (Siobhan, Okon, N'Diaye): a
  name wherever it stands capitalised.

Drugs, devices and eponyms that the lexicon also knows as names are never names here.
"""

from __future__ import annotations

from functools import lru_cache

from .lexicon import lookup
from .vocabulary import _AMBIGUOUS, _COMMON, _words

GIVEN_SCORE = 47  # about 1 in 20,000 given names, or more
CUED_GIVEN_SCORE = 40  # "Chip from IT", "Sky (HCA)"
SURNAME_SCORE = 40
PROBABLE_SCORE = 45
WORD_MARGIN = 15  # a probable name is 10^1.5 times more common as a name than as a word

# Things the lexicon knows as names that a clinical narrative means as things.
NOT_NAMES = _words(
    """yasmin microgynon cerazette foley hickman guedel waterlow braden pabrinex bair hugger
    cavell seacole nightingale parkinson parkinsons alzheimer alzheimers down downs glasgow
    addison crohn cushing graves hodgkin huntington kawasaki marfan raynaud sjogren tourette
    wilson apgar barthel bristol epley heimlich mallampati murphy trendelenburg valsalva
    whipple doppler holter swan ganz tenckhoff mackintosh miller macintosh baxter alaris
    datix pyxis omnicell careflow cerner epic lorenzo keppra lasix clexane oramorph tazocin
    augmentin zopiclone sando sandocal oxynorm zomorph ventolin atrovent seretide symbicort
    tramadol codeine naloxone fentanyl sertraline warfarin apixaban rivaroxaban dabigatran
    edoxaban heparin insulin novorapid lantus humalog levemir tresiba mirena nexplanon depo
    ensure fortisip calogen thick thickenup resource scandishake spr snf nil baby babies
    sister brother mum dad nan grandma grandad auntie uncle sydney florence paris london
    milano milan roma rome madrid lisbon berlin dublin cork belfast york chester lincoln
    jersey senna movicol laxido lactulose gaviscon peptac fybogel dulcolax docusate"""
)


@lru_cache(maxsize=32_768)
def given_like(key: str, strong_cue: bool = False) -> bool:
    """Common as a given name; with a cue only a person fits, less common ones too."""
    scores = lookup(key)
    if scores is None or key in NOT_NAMES or len(key) < 2:
        return False
    if strong_cue:  # the cue says a person: any name that is not a function word
        return scores.first >= CUED_GIVEN_SCORE and scores.word < 60
    return scores.first >= GIVEN_SCORE and (key not in _COMMON or key in _AMBIGUOUS)


@lru_cache(maxsize=32_768)
def surname_like(key: str) -> bool:
    scores = lookup(key)
    return scores is not None and scores.surname >= SURNAME_SCORE and key not in NOT_NAMES


@lru_cache(maxsize=32_768)
def probable_name(key: str) -> bool:
    scores = lookup(key)
    if scores is None or key in NOT_NAMES or key in _COMMON or len(key) < 3:
        return False
    name = max(scores.first, scores.surname)
    return name >= PROBABLE_SCORE and scores.word <= name - WORD_MARGIN


@lru_cache(maxsize=32_768)
def word_first(key: str) -> bool:
    """More common as a word than as a given name ("will", "may"): a name only with a cue
    that only a person fits ("Will and I", "me and will")."""
    scores = lookup(key)
    return scores is not None and scores.word > scores.first


@lru_cache(maxsize=32_768)
def given_score(key: str) -> int:
    """The given-name score alone (0 when unknown or a thing), for places where a cue has
    already said a person is meant ("her grandson Lee")."""
    scores = lookup(key)
    return 0 if scores is None or key in NOT_NAMES else scores.first


@lru_cache(maxsize=32_768)
def rare_word_name(key: str) -> bool:
    """A name the lexicon knows that is hardly ever an English word ("Aminata", "Ola")."""
    scores = lookup(key)
    return scores is not None and key not in NOT_NAMES and scores.first >= 40 and scores.word <= 30


@lru_cache(maxsize=32_768)
def unknown_word(key: str) -> bool:
    """Neither everyday vocabulary nor a common English word ("Sione", "Thi"): with a cue
    only a person fits, a name."""
    if key in _COMMON or key in NOT_NAMES or len(key) < 2:
        return False
    scores = lookup(key)
    return scores is None or scores.word < 35
