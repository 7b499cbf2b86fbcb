"""The combined regular expression for structured identifiers, and its per-start subsets.

One pattern with a named group per identifier kind (e-mail and URL have their own, cheaper
pattern). A group either is the identifier (``_WHOLE_GROUP``) or contains a cue that stays
in the text and a value sub-group that is replaced (``_VALUE_GROUP``). The subsets restrict
the pattern to the branches that can start at a digit, or at a word beginning with given
letters, so the matcher tries only those where it knows what it is looking at.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .vocabulary import _words

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?:\.(?=\s*\d))?)(?![a-z])"
)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
_ORD = r"(?:st|nd|rd|th)"
_UNIT_AFTER = (
    r"(?!\s*(?:mg|mcg|micrograms?|g\b|kg|ml|mL|l\b|mmol|units?|%|mm|cm|x\b|times|patients|"
    r"beds|doses|tablets|minutes|mins|hours|hrs\b|days|weeks|months|years))"
)
_STREET_TYPES = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Close|Grove|Crescent|Way|Place|Terrace"
    r"|Gardens|Court|Boulevard|Blvd|Parkway|Row|Square|Walk|Mews|Hill|View|Park|Rise|Green"
    r"|Crescent|Circle|Highway|Hwy|Dr(?=,|\.?\s+(?:Apt|Unit|Suite|\#)))"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_ID_CUE = (
    r"(?:NHS\s*(?:number|no\.?|num|\#)?|MRN|hospital\s*(?:number|no\.?|num|\#)|(?:staff|employee|"
    r"patient|record|case|unit|account|insurance|badge|member|payroll|registration|reference|"
    r"ref)\s*(?:id|number|no\.?|num|\#)|employee\s*id|UR\s*(?:number|no\.?|\#)?|URN|CR\s*(?:no\.?"
    r"|number)|health\s*card(?:\s*(?:number|no\.?|\#))?|SSN|SIN|CHI(?:\s*(?:number|no\.?))?|"
    r"Medicare(?:\s*(?:number|no\.?))?|PAS(?:\s*(?:number|no\.?))?|(?:agency|datix|incident|"
    r"complaint)\s*(?:ref(?:erence)?\.?|number|no\.?|id)?|bed-?card\s*(?:no\.?|number)|"
    r"(?:staff|ID|id)\s*(?:card)?\s*(?:number|no\.?|\#)?|ref(?:erence)?\.?(?:\s*(?:number|no\.?))?"
    r"|NHI(?:\s*(?:number|no\.?))?|Aadhaar(?:\s*(?:number|no\.?))?|OHIP(?:\s*(?:number|no\.?))?"
    r"|e?PRF(?:\s*(?:number|no\.?|\#))?)"  # an ambulance's patient report form
)

_STRUCT = re.compile(
    r"""(?=[\d+(@]|(?<![^\W\d_])[A-Za-z])(?:
    (?P<idc>\b"""
    + _ID_CUE
    + r"""(?![a-z])[:#]?\s*(?:is\s+|was\s+|of\s+)?\(?
        (?P<idv>\d{3}\s\d{3}\s\d{4}|\d{2,6}(?:\s\d{1,6}){1,3}(?![\d/.:])
        |(?=[A-Za-z0-9/-]*\d)[A-Za-z]{0,5}[-/]?\d[\dA-Za-z/-]*[\dA-Za-z]))(?![\dA-Za-z])
  | (?P<phc>\b(?:bleep|bleeped|pager|page|paged|ext\.?|extension|tel\.?|dect|phone|mobile|cell)
        (?:\s*(?:no\.?|number|num|\#))?[:\s]\s*(?:on\s+)?(?P<phcv>\d{3,5})(?!\d)(?![\d/:.-](?:\d|\[(?:ID|PHONE|DATE|TIME|AGE|POSTCODE)\]))(?![\s.-]?\d{3,}(?![:./]\d)))
  | (?P<phb>\b(?:bleeped|paged|rang|called|phoned)\b[^.\n]{0,40}?\b
        (?:on|at(?=\s+(?!(?:[01]\d|2[0-3])[0-5]\d\b)\d))\s+(?P<phbv>\d{4,5})\b(?![/:.-](?:\d|\[(?:ID|PHONE|DATE|TIME|AGE|POSTCODE)\]))(?![\s.-]?\d{3,}(?![:./]\d)))
  | (?P<phone>(?<![\d+])(?:
        \+\d{1,3}(?:[\s.-]?\(0\))?(?:[\s.-]?(?:\(\d{1,5}\)|\d{1,5})){2,5}
      | (?:\(0\d{1,4}\)|0\d{1,4})[\s.-]?\d{3,4}[\s.-]?\d{3,4}
      | 1[38]00[\s.-]?\d{3}[\s.-]?\d{3,4}
      | 1[\s.-](?:\(\d{3}\)|\d{3})[\s.-]\d{3}[\s.-]\d{4}
      | 0\d{4}[\s.-]?\d{6}
      | \(\d{3}\)\s?\d{3}[\s.-]\d{4}
      | \d{3}[.-]\d{3}[.-]\d{4}
      )(?:\s*(?:ext\.?|extension|x)\s*\d{2,5})?(?![\d/])
    )
  | (?P<phx>\bx\d{3,5}(?!\d))
  | (?P<ssn>(?<![\d/.-])\d{3}-\d{2}-\d{4}(?![\d/-]))
  | (?P<nhs>(?<![\d.,/-])\d{3}\s\d{3}\s\d{4}(?![\d.,/]))
  | (?P<date>(?<![\d/.-])(?:
        (?:19|20)\d{2}-\d{1,2}-\d{1,2}
      | \d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}
      | \d{1,2}"""
    + _ORD
    + r"""?(?:\s+of)?[\s-]+"""
    + _MONTH
    + r"""(?:[\s,-]+(?:19|20)\d{2}|\s*'\d{2})?
      | (?<![A-Za-z])"""
    + _MONTH
    + r"""\s+\d{1,2}"""
    + _ORD
    + r"""?(?:,?\s+(?:19|20)\d{2})?(?!\d)"""
    + _UNIT_AFTER
    + r"""
      )(?![\d/]))
  | (?P<wdc>\b"""
    + _WEEKDAY
    + r"""\s+(?:the\s+)?(?P<wdv>\d{1,2}"""
    + _ORD
    + r"""(?:\s+(?:of\s+)?"""
    + _MONTH
    + r"""(?:,?\s+(?:19|20)\d{2})?)?)\b)
  | (?P<time>(?<![\d.:/])(?:
        (?:[01]?\d|2[0-3])[:.][0-5]\d\s*(?:[ap]\.m\.|[ap]\.?m)(?![a-z])
      | (?:[01]?\d|2[0-3])\s*(?:[ap]\.m\.|[ap]\.?m(?![a-z]))
      | \d{1,2}\s*o['’]?\s?clock
      | (?:[01]?\d|2[0-3])h[0-5]\d(?!\d|:\d)
      | (?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*(?:hrs|hr|h)(?![a-z]))?(?!\d|:\d)
      | (?:[01]\d|2[0-3])[0-5]\d\s*(?:hrs|hr|h|hours)(?![a-z])
      ))
  | (?P<time1>(?<![\d.:/])\d:[0-5]\d(?![\d:]))
  | (?P<tcue>\b(?:at|by|around|about|approx\.?|approximately|from|until|till|til|between|and|
        to|@|after|before)\s+(?P<tcv>(?:[01]\d|2[0-3])\.?[0-5]\d(?:\s*(?:hrs|hr|h|hours)(?![a-z])
        |\s*(?:[ap]\.m\.|[ap]\.?m)(?![a-z]))?)(?!\d)"""
    + _UNIT_AFTER
    + r"""(?!\s*(?:to|-|–|and)\s*\d+(?:\.\d+)?\s*(?:mg|mcg|g\b|kg|ml|l\b|mmol|units?|%|mm|cm))
        (?![.,]\d)(?-i:(?!,?\s+(?:[A-Z][A-Za-z'-]+\s+){1,3}"""
    + _STREET_TYPES
    + r"""\b)))
  | (?P<tsince>\bsince\s+(?P<tsv>(?!(?:19|20)\d\d(?!\s*(?:hrs|hr|h|hours)(?![a-z])))
        (?:[01]\d|2[0-3])\.?[0-5]\d(?:\s*(?:hrs|hr|h|hours)(?![a-z]))?)(?![\d:]|[.,]\d)"""
    + _UNIT_AFTER
    + r""")
  | (?P<age>(?<![\d.,/])(?P<agev>9\d|1[01]\d)(?=\s*-?\s*(?:years?|yrs?|yo|y/o|y\.o\.|yr)\b))
  | (?P<agemf>(?<![\d.,/])(?P<agemfv>9\d|1[01]\d)(?=(?-i:[MF])\b))
  | (?P<agec>\b(?:aged|age|ages)\s*:?\s*(?P<agecv>9\d|1[01]\d)\b(?!\s*(?:%|mg|kg|/)))
  | (?P<ages>\b(?:she|he|they|patient|pt|lady|man|woman|gentleman|gent|mum|dad|mother|father
        |husband|wife|resident|grandmother|grandfather|nan|grandma|grandad)
        (?:'s|’s|\s+is|\s+was|\s+are|\s+aged)\s+(?P<agesv>9\d|1[01]\d)\b
        (?!\s*(?:%|mg|kg|/|kilos|st\b|stone)))
  | (?P<addr>(?-i:\b(?:(?i:Flat|Apt\.?|Apartment|Unit|Suite)\s+\d+[A-Za-z]?(?:,?\s+|/))?
        (?:[A-Z][a-z]+\s+(?:Court|House|Lodge|Mansions|Tower|Building|Heights),?\s+)?
        \d{1,4}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'-]+\s+){1,3}"""
    + _STREET_TYPES
    + r"""\b\.?(?:\s+(?:North|South|East|West)\b)?(?:,?\s+(?:Apt\.?|Flat|Unit|\#)\s*\d+[A-Z]?)?))
  | (?P<pcus>(?-i:\b(?:"""
    + _US_STATES
    + r""")\s+(?P<pcusv>\d{5}(?:-\d{4})?)\b))
  | (?P<pcuk>(?-i:\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}|[A-Z]\d[A-Z]\s\d[A-Z]\d)\b))
  | (?P<hospno>(?-i:(?<![A-Za-z])[A-Z]{1,4}-?\d{5,}[A-Z]?(?![a-z\d])))
  | (?P<digits>(?<!\d)\d{6,}(?!\d))
    )""",
    re.VERBOSE | re.IGNORECASE,
)


def _split(pattern: str) -> tuple[str, dict[str, str]]:
    """The start condition of the combined pattern, and its branches by group name in
    the pattern's order."""
    head, _, rest = pattern.partition("(?:\n")
    branches = re.split(r"\n  \| (?=\(\?P<)", "\n" + rest.rsplit("\n    )", 1)[0])
    return head.rstrip(), {re.search(r"\(\?P<(\w+)>", b).group(1): b.strip() for b in branches}


_GUARD, _BRANCHES = _split(_STRUCT.pattern)


def _compile_branches(branches: list[str]) -> re.Pattern[str]:
    """Branches of the combined pattern (in its order) behind its start condition."""
    return re.compile(_GUARD + "(?:" + "\n  | ".join(branches) + ")", re.VERBOSE | re.IGNORECASE)


def _branch_subset(first: str | frozenset[str]) -> re.Pattern[str]:
    """The combined pattern restricted to the branches that can match at a position whose
    character is ``first`` ("digit", "other"; "address" for the digit fallback). Trying
    it there gives the same match as the full pattern: the other branches cannot start
    with such a character. ``first`` may also be the set of branch names to keep."""
    keep = []
    for name, b in _BRANCHES.items():
        if isinstance(first, frozenset):
            wanted = name in first
        elif first == "digit":
            wanted = name in _DIGIT_FIRST
        elif first == "address":
            wanted = name == "addr"
        else:
            wanted = name not in _DIGIT_ONLY
        if wanted:
            keep.append(b)
    return _compile_branches(keep)


# branches that can only start at a digit (or the '+' / '(' of a phone number)
_DIGIT_ONLY = {"phone", "ssn", "nhs", "time", "time1", "age", "agemf", "digits"}
_DIGIT_FIRST = _DIGIT_ONLY | {"date"}  # dates start with a day number or a month name
_STRUCT_DIGIT = _branch_subset("digit")
_STRUCT_OTHER = _branch_subset("other")
_STRUCT_ADDR = _branch_subset("address")

# The words (lower case) each branch of _STRUCT_OTHER can start with, each cut to the
# shortest form that still begins all the words it stands for ("gent" for gent and
# gentleman, "ur" for UR and URN, "mar" for mar, march): a match starts with one of them.
# The branches in _UPPER_FIRST can also start with any upper-case letter (a building or
# street name, a state, a postcode, a hospital number).
_CUE_STARTS = {
    "idc": _words(
        """nhs mrn hospital staff employee patient record case unit account insurance badge
        member payroll registration ref ur cr health ssn sin chi medicare pas agency datix
        incident complaint bed id nhi aadhaar ohip eprf prf"""
    ),
    "phc": _words("bleep bleeped page paged ext tel dect phone mobile cell"),
    "phb": _words("bleeped paged rang called phoned"),
    "phx": _words("x"),
    "date": _words("jan feb mar apr may jun jul aug sep oct nov dec"),
    "wdc": _words("mon tue wed thu fri sat sun"),
    "tcue": _words("at by around about approx from until til between and to after before"),
    "tsince": _words("since"),  # "since 0900", not "since 2019"
    "agec": _words("age"),
    "ages": _words(
        """she he they patient pt lady man woman gent mum dad mother father husband wife
        resident grand nan"""
    ),
    "addr": _words("flat apt apartment unit suite"),
}
_UPPER_FIRST = frozenset({"addr", "pcus", "pcuk", "hospno"})
_NEVER = re.compile(r"(?!)")


@lru_cache(maxsize=128)
def _subset_of(names: frozenset[str]) -> re.Pattern[str]:
    return _branch_subset(names) if names else _NEVER


def _may_start(start: str) -> frozenset[str]:
    """The branches of _STRUCT_OTHER whose words agree with ``start``, the lower-cased
    ASCII characters where a match would begin: a word as long as ``start`` or longer
    must begin with it ("mar" for "March"), a shorter one must begin ``start`` ("at" at
    "at 3"). A literal letter matches an ASCII character in either case and no other
    way, so a branch no word agrees with cannot match there."""
    return frozenset(
        name
        for name, words in _CUE_STARTS.items()
        if any(w.startswith(start) or start.startswith(w) for w in words)
    )


class _OtherAt(dict):
    """_STRUCT_OTHER restricted to the branches that can start at a position, by the
    (up to) three characters there, compiled on first use: at "at " only the time cue,
    at "she" only the age cue. The same match there, several times cheaper to fail than
    every branch of the first letter. A key not starting with an ASCII letter gets the
    whole of _STRUCT_OTHER; only the ASCII part of a key is read."""

    def __missing__(self, key: str) -> re.Pattern[str]:
        if len(self) > 20_000:
            self.clear()
        c = key[0]
        if c.isascii() and c.isalpha():
            n = next((i for i, ch in enumerate(key) if not ch.isascii()), len(key))
            names = _may_start(key[:n].lower()) | (_UPPER_FIRST if c.isupper() else set())
            pattern = _subset_of(frozenset(names))
        else:
            pattern = _STRUCT_OTHER
        self[key] = pattern
        return pattern


_OTHER_AT = _OtherAt()

# groups whose value sub-group is replaced (the cue stays)
_VALUE_GROUP = {
    "idc": ("idv", "ID"),
    "phc": ("phcv", "PHONE"),
    "phb": ("phbv", "PHONE"),
    "wdc": ("wdv", "DATE"),
    "tcue": ("tcv", "TIME"),
    "tsince": ("tsv", "TIME"),
    "age": ("agev", "AGE"),
    "agec": ("agecv", "AGE"),
    "agemf": ("agemfv", "AGE"),
    "ages": ("agesv", "AGE"),
    "pcus": ("pcusv", "POSTCODE"),
}
_WEB = re.compile(
    r"""(?P<email>(?<![\w.%+'-])[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})
      | (?P<url>(?<![A-Za-z])(?:https?://|www\.)[^\s<>"']*[^\s<>"'.,;:!?)\]])""",
    re.VERBOSE | re.IGNORECASE,
)
_WHOLE_GROUP = {
    "email": "EMAIL",
    "url": "URL",
    "phone": "PHONE",
    "phx": "PHONE",
    "ssn": "ID",
    "nhs": "ID",
    "date": "DATE",
    "time": "TIME",
    "time1": "TIME",
    "addr": "ADDRESS",
    "pcuk": "POSTCODE",
    "hospno": "ID",
    "digits": "ID",
}
_CASE_SENSITIVE_GROUPS = {"addr", "pcuk", "hospno", "pcus"}
