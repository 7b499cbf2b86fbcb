"""De-identification of free-text incident narratives.

Pure standard-library module. ``scrub(text)`` replaces identifiers with typed tokens
(``[NAME]``, ``[EMAIL]``, ``[URL]``, ``[PHONE]``, ``[ID]``, ``[DATE]``, ``[TIME]``, ``[AGE]``,
``[ADDRESS]``, ``[POSTCODE]``) and returns a :class:`ScrubResult` that records every
replacement so the reporter can review what was removed.

How it works, in two passes over the text:

1. One combined regular expression with named groups finds the structured identifiers
   (e-mail, URL, phone, record numbers, dates, times, ages over 89, street addresses,
   postcodes). Cue words such as ``MRN``, ``bleep`` or a weekday before a date are matched
   as part of the pattern but kept in the output; only the value becomes a token. The
   pattern is only tried where a match can start (at a number, or at a cue word followed
   by one), which gives the same result as a plain scan at a fraction of the cost.
2. A word-level pass finds people's names from cues rather than from a closed list:
   titles (``Dr``, ``Nurse``, ``Mrs`` ... the title goes inside the token), role words
   (``the registrar,`` ``my colleague`` ... the role stays), reporting verbs (``X said``,
   ``told X``), appositions (``X the HCA``), and a bundled list of given names and surnames
   from many cultures (``reporting/data/names.txt``). A seed name is then extended over
   adjacent name-like words, initials and particles (``van der``, ``bin``, ``ap``, ``Ní``).
   Eponyms and places (``Parkinson's disease``, ``Nightingale ward``, ``St Mary's``) are
   recognised by the word that follows or precedes them and left alone. A word found as a
   name once is a name wherever it recurs capitalised, and an unknown capitalised word
   joined to a name by "and"/"or" is one too.
3. Safety nets: ages in "Name, 94," and time ranges/lists after a time; any run of six or
   more digits still left becomes ``[ID]``.

Text the reporter asked to keep (``keep``) and existing tokens are never touched, so
scrubbing is idempotent.

Conventions: ages of 89 and under, bare weekdays, months and years, durations, doses,
scores and ratios are clinical content and are kept.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

TOKENS = ("NAME", "EMAIL", "URL", "PHONE", "ID", "DATE", "TIME", "AGE", "ADDRESS", "POSTCODE")

_NAMES_FILE = Path(__file__).with_name("data") / "names.txt"


@dataclass(frozen=True)
class Replacement:
    kind: str  # one of TOKENS
    original: str  # the text that was replaced
    start: int  # offset of the token in the scrubbed text
    end: int


@dataclass(frozen=True)
class ScrubResult:
    text: str
    replacements: tuple[Replacement, ...]

    def segments(self) -> list[tuple[str, Replacement | None]]:
        """The scrubbed text cut into plain runs and tokens, in order."""
        out: list[tuple[str, Replacement | None]] = []
        pos = 0
        for rep in self.replacements:
            if rep.start > pos:
                out.append((self.text[pos : rep.start], None))
            out.append((self.text[rep.start : rep.end], rep))
            pos = rep.end
        if pos < len(self.text):
            out.append((self.text[pos:], None))
        return out


# --------------------------------------------------------------------------- word lists


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)

# Words that are ordinary English or clinical vocabulary. They are never taken as names on
# their own (only after a title such as "Dr", or inside a name already found) and are
# removed from the bundled names list.
_COMMON = set(
    (
        _WEEKDAYS
        + " "
        + _MONTHS
        + " "
        + """
a about above across actually after afternoon again against agency ago agreed ahead air alarm
all almost alone along already also although always am among an and another answer any
anyone anything anyway apparently are area around arrived as asked at attempt aware away
back bad bank basically bay be because bed been before behind being below best better
between big both bottom break brief brought busy but by call called came can cannot care
case caught certain chance change changed charge chart check checked clear clearly close
come coming concern concerns could cover covered covering day days dear despite did didn
different do does doing done door down during each early either else end enough even
evening ever every everyone everything exactly fact family far felt few find fine first
following for found from front full further gave get getting give given go going gone good
got great had half handed handover happened happy hard has have having he head hear heard
help her here high him his home hope hopefully hour hours how however i if important in
incident indeed initially inside instead into is it its just keep kept kind knew know known
last late later least left less let like little long look looked lot lots low made main
make many may maybe me mean meant meanwhile might mind more morning most much must my
myself nearly need needed needs never new next night nights no nobody none nor not nothing
now obviously of off often oh ok okay old on once one only onto open or other others our
out over own part past patient patients people perhaps place please point possible post
pre previous probably put quickly quite rather re really reason recently regarding
reported right round said same saw say saying says second see seemed seen several shall
she shift shifts should show side since so some somebody someone something sometimes soon
sorry still stop such sure take taken team than thank thanks that the their them then there
therefore these they thing things think this those though three through thus time times to
today told tomorrow tonight too took top total towards tried true try trying turned twice
two under unfortunately unless until up upon us used usual usually very via was wasn way
we week weekend weeks well went were what when where whether which while who whole whom
whose why will with within without woman women work worked would wrong year years yes yet
you your yesterday also again thankfully luckily sadly honestly apparently eventually
finally later overall regardless then first second third fourth fifth
new old young black white brown green grey gray red blue pink gold silver
amber ruby pearl jade ivy holly iris lily rose violet daisy poppy heather hazel fern
summer autumn winter spring dawn sky star sunny stormy rain
will may june april august grace hope faith joy charity patience mercy prudence constance
chastity honor honour precious unity harmony
mark bill pat sue rob don ray guy jack art gene dean neil miles lance chase hunter mason
carter cooper baker turner porter page bell hall wood hill king young long little short
green brown white black gray grey rich frank earnest sterling major chance rocky sandy
penny kit jay drew wade reed rod ward bay bed nurse sister doctor matron master
cole jean joy bob crystal destiny dallas carol bunny buck duke fox wolf lamb hunt
love lovely happy sweet honey sugar candy cherry olive ginger basil sage rosemary
ma la le de do co so no we he me us am an be by go if in is it of on or to up
bo yu yi na lu su ye ko oh son nam han seo lim jung kang ho lam song park moon
tan sun lee king long
win can made sri nor min wan sai ren kai dev jan uma ade obi ting ping jun
street road lane avenue drive close grove court place way
hospital ward unit theatre theatres resus room side bay bed beds ed ae ane icu itu hdu
amu sau cdu ccu nicu picu scbu ot or er emerg recovery clinic surgery pharmacy lab
laboratory radiology x-ray xray ct mri scan scanner lift corridor floor station desk
cupboard fridge trolley office home house hall north south east west centre center main
block wing level floor site building
consultant registrar reg sho fy1 fy2 f1 f2 ct1 ct2 st1 st2 st3 houseman intern resident
attending fellow hospitalist doctor doctors dr nurse nurses sister matron midwife midwives
hca hcas csw rn rns rgn en physio physios physiotherapist pharmacist pharmacists porter
porters surgeon surgeons anaesthetist anesthetist anaesthetists odp scrub student students
manager managers coordinator clerk supervisor interpreter chaplain cleaner domestic
dietitian radiographer paramedic paramedics ambulance crew security guard gp gps locum
colleague colleagues staff team lead director head senior junior charge bank agency
outreach sister's mum dad mother father son daughter wife husband partner brother
grandson granddaughter grandmother grandfather aunt uncle niece nephew cousin friend
neighbour neighbor carer carers relative relatives family next kin
patient pt pts obs bloods blood gas sats temp pulse pain score scores scale chart drug
drugs dose doses med meds medication medications tablet tablets infusion pump line
cannula catheter tube drain dressing wound fall falls fell bleed bleeding sepsis septic
arrest crash call bleep bleeped pager paged phone phoned rang emailed texted messaged
escalated escalate refused agreed explained noticed realised realized found flagged said
says told asked replied shouted insisted wrote came went gave took saw felt
given prescribed administered missed omitted delayed stopped started restarted held
discharged admitted transferred moved sent seen reviewed referred
datix sbar news news2 gcs avpu picc peg ng ngt ecg ekg abg vbg fbc ue lft crp inr aptt
bm cbg hb wcc plt nbm tto ttos dnacpr dnar resp rr hr bp spo2 fio2 peep niv cpap bipap
iv im sc po pr sl od bd tds qds prn stat mr sr xl mane nocte
mg mcg ml kg units unit mmol litre litres liter hours minutes mins min
morphine oramorph oxycodone fentanyl codeine tramadol paracetamol ibuprofen naloxone
heparin warfarin apixaban rivaroxaban edoxaban dabigatran clexane enoxaparin dalteparin
tinzaparin insulin actrapid novorapid lantus humulin glucose glucagon dextrose
keppra levetiracetam lasix furosemide ativan lorazepam diazepam midazolam haloperidol
tazocin augmentin co-amoxiclav amoxicillin gentamicin vancomycin meropenem ceftriaxone
metronidazole clarithromycin doxycycline flucloxacillin
rocuronium suxamethonium sugammadex propofol ketamine adrenaline epinephrine noradrenaline
norepinephrine amiodarone digoxin atropine salbutamol
madopar sinemet zomorph epilim valproate phenytoin carbamazepine
potassium sodium calcium magnesium phosphate chloride
parkinson parkinsons alzheimer alzheimers crohn crohns hartmann hartmanns addison addisons
addisonian cushing cushings foley guedel whipple waterlow braden glasgow apgar kleihauer
gillick fraser caldicott ryle ryles codman hartford nightingale hickman swan ganz
mallampati trendelenburg seldinger yankauer sengstaken kussmaul cheyne stokes korotkoff
bristol wells child pugh babinski barthel bence graves hodgkin hodgkins huntington
raynaud paget sjogren kaposi tourette asperger guillain barre hashimoto marfan
klinefelter korsakoff wernicke broca epley heimlich valsalva doppler holter gleason
breslow dukes ranson rockall blatchford mcburney rovsing lachman mcmurray phalen tinel
down downs bell bells allen allens murphy murphys
i've i'm i'd i'll it's i ve switchboard estates management radiology pharmacy security
microbiology micro haematology biochemistry theatres site ops bed-manager control
nice nhs uk usa who cqc gmc nmc hse bma rcn
christmas easter diwali eid ramadan
hung dung shin pan burns islam gill butt stein levy rush haste cross
service services team teams department committee board panel group council office desk
network partnership programme program project initiative collaborative system systems
"""
    ).split()
)

# Given names that are also everyday words: names only with a title, role or verb cue.
_AMBIGUOUS = _words(
    """
will may grace hope mark bill rose june april august faith joy rob pat sue don ray guy jack
art gene dean miles lance chase hunter mason carter sandy penny dawn summer holly ivy
iris lily ruby pearl jade amber violet daisy poppy heather hazel olive precious sterling
frank rich drew jay kit reed wade cole jean carol crystal destiny dallas faith charity
patience mercy hunt long
 nana nick hong grant holland newton chambers bishop butler stanley lima
    milan kaiser"""
)

_SHORT_NAMES = {"mo", "jo", "ng", "ed", "al", "li", "bo", "jas", "vu", "do", "ho", "ma", "le"}

_PARTICLES = {
    "van",
    "der",
    "den",
    "de",
    "da",
    "di",
    "du",
    "del",
    "della",
    "dos",
    "das",
    "le",
    "la",
    "bin",
    "binti",
    "bint",
    "ibn",
    "al",
    "el",
    "ap",
    "ab",
    "ní",
    "nic",
    "mac",
    "mc",
    "ul",
    "abu",
    "ben",
    "von",
    "ter",
    "ó",
    "o",
    "y",
    "st",
}

# Titles: (lower-case form, strong). A strong title marks a name even after "the".
_TITLES = {
    "dr": True,
    "dr.": True,
    "doctor": False,
    "mr": True,
    "mr.": True,
    "mrs": True,
    "mrs.": True,
    "ms": True,
    "ms.": True,
    "miss": True,
    "mx": True,
    "prof": True,
    "prof.": True,
    "professor": True,
    "sister": False,
    "sr": True,
    "sr.": True,
    "nurse": False,
    "matron": False,
    "father": False,
    "fr": True,
    "fr.": True,
    "rev": True,
    "rev.": True,
    "revd": True,
    "reverend": True,
    "imam": False,
    "rabbi": False,
    "pastor": False,
}
_TITLE_PREFIX = {
    "charge",
    "staff",
    "senior",
    "ward",
    "head",
    "junior",
    "sister",
}  # "Charge Nurse", "Staff Nurse"

_MODIFIERS = _words(
    """ward charge staff senior junior scrub theatre theatres night day bank agency new duty
    on-call oncall student specialist research clinical lead head community district practice
    deputy assistant registered trainee other same usual regular locum recovery triage
    paediatric pediatric surgical medical icu ed itu"""
)
_DETERMINERS = {
    "the",
    "a",
    "an",
    "my",
    "our",
    "your",
    "his",
    "her",
    "their",
    "its",
    "this",
    "that",
    "another",
    "other",
    "any",
    "each",
    "every",
    "no",
    "one",
    "which",
    "whose",
}

_ROLES = _words(
    """
registrar reg consultant colleague colleagues nurse sister matron physio physiotherapist
pharmacist porter hca sho fy1 fy2 f1 f2 midwife anaesthetist anesthetist surgeon resident
attending fellow student manager clerk supervisor interpreter daughter son wife husband
partner granddaughter grandson grandmother grandfather mother father mum dad brother uncle
aunt niece nephew friend neighbour neighbor tech technician num cnm salt ot odp coordinator
hospitalist doctor gp intern pg locum rn rgn csw dietitian radiographer paramedic medic
guard chaplain cleaner receptionist secretary houseman officer lead director boss mentor
preceptor educator assistant therapist psychologist psychiatrist paediatrician pediatrician
obstetrician gynaecologist cardiologist oncologist neurologist radiologist intensivist
geriatrician orthopod sonographer phlebotomist practitioner anp acp np pa ward-manager
worker carer
"""
)

_SPEECH_VERBS = _words(
    """
said says told asked replied shouted explained noticed realised realized insisted refused
agreed rang phoned emailed texted messaged wrote yelled screamed decided suggested
mentioned warned promised laughed shouted snapped complained apologised apologized tried
came arrived left stayed found spotted flagged noted escalated called paged bleeped
"""
)
_OBJECT_VERBS = _words(
    """
told asked thanked thank thanks rang phoned called paged bleeped emailed texted messaged
informed contacted overheard cc'd cc ask tell tells asking telling
"""
)

_EPONYM_FOLLOWERS = _words(
    """
disease diseases syndrome syndromes scale score scores procedure operation catheter
catheters airway airways tube tubes nomogram sign signs test tests line lines ward wards
unit units foundation hospital hospitals trust protein criteria classification stockings
manoeuvre maneuver position splint traction frame needle mask bag technique palsy fracture
lymphoma sarcoma tumour tumor ulcer phenomenon reflex triad law equation formula chart tool
guardian competence guidelines guideline principle rule rules method approach incision block
space pouch membrane node canal duct gland cyst hernia repair shunt stent drain valve
monitor device pump mattress house centre center clinic building wing suite lecture
institute college school university medal award infirmary road street lane avenue society
association campaign uk report inquiry review act regimen protocol bundle pathway grade
stage staging type criterion sheath forceps retractor clamp laryngoscope blade lens loop
curve sequence cycle solution circuit meter pouch humidifier
service services team committee board panel group council office desk network programme
"""
)
_PLACE_PRECEDERS = _words(
    """san santa são sao los las new st st. saint mount port fort lake cape king queen prince
    princess royal lady sir"""
)
_LOCATION_WORDS = _words(
    """
ward bay unit theatre resus room bed hospital trust clinic centre center wing house building
floor block suite department north south east west
"""
)


def _fold(word: str) -> str:
    """Lower-case and strip diacritics, for list look-ups."""
    word = word.casefold().replace("’", "'")
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _load_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    given: set[str] = set()
    surnames: set[str] = set()
    raw: set[str] = set()
    target = given
    try:
        lines = _NAMES_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if "given" in line.lower():
                target = given
            elif "surname" in line.lower():
                target = surnames
            continue
        key = _fold(line)
        raw.add(key)
        if key in _COMMON or key in _PARTICLES:
            continue
        if len(key) < 3 and key not in _SHORT_NAMES:
            continue
        target.add(key)
    return frozenset(given), frozenset(surnames), frozenset(raw)


# ------------------------------------------------------------------ structured identifiers

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
    r"|Crescent|Circle|Highway|Hwy)"
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
    r"|NHI(?:\s*(?:number|no\.?))?|Aadhaar(?:\s*(?:number|no\.?))?|OHIP(?:\s*(?:number|no\.?))?)"
)

_STRUCT = re.compile(
    r"""(?=[\d+(@]|(?<![^\W\d_])[A-Za-z])(?:
    (?P<idc>\b"""
    + _ID_CUE
    + r"""(?![a-z])[:#]?\s*(?:is\s+|was\s+|of\s+)?\(?
        (?P<idv>\d{3}\s\d{3}\s\d{4}|\d{2,6}(?:\s\d{1,6}){1,3}(?![\d/.:])
        |(?=[A-Za-z0-9/-]*\d)[A-Za-z]{0,5}[-/]?\d[\dA-Za-z/-]*[\dA-Za-z]))(?![\dA-Za-z])
  | (?P<phc>\b(?:bleep|pager|page|ext\.?|extension|tel\.?|dect|phone|mobile|cell)
        (?:\s*(?:no\.?|number|num|\#))?[:\s]\s*(?:on\s+)?(?P<phcv>\d{3,5})(?!\d)(?![\d/:.-](?:\d|\[(?:ID|PHONE|DATE|TIME|AGE|POSTCODE)\]))(?![\s.-]?\d{3,}(?![:./]\d)))
  | (?P<phb>\b(?:bleeped|paged|rang|called|phoned)\b[^.\n]{0,40}?\bon\s+
        (?P<phbv>\d{4,5})\b(?![/:.-](?:\d|\[(?:ID|PHONE|DATE|TIME|AGE|POSTCODE)\]))(?![\s.-]?\d{3,}(?![:./]\d)))
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
        to|@|after|before)\s+(?P<tcv>(?:[01]\d|2[0-3])\.?[0-5]\d(?:\s*(?:hrs|hr|h|hours)(?![a-z]))?)(?!\d)"""
    + _UNIT_AFTER
    + r"""(?!\s*(?:to|-|–|and)\s*\d+(?:\.\d+)?\s*(?:mg|mcg|g\b|kg|ml|l\b|mmol|units?|%|mm|cm))
        (?![.,]\d)(?-i:(?!,?\s+(?:[A-Z][A-Za-z'-]+\s+){1,3}"""
    + _STREET_TYPES
    + r"""\b)))
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


def _branch_subset(first: str) -> re.Pattern[str]:
    """The combined pattern restricted to the branches that can match at a position whose
    character is ``first`` ("digit", "other"; "address" for the digit fallback). Trying
    it there gives the same match as the full pattern: the other branches cannot start
    with such a character."""
    body = _STRUCT.pattern
    head, _, rest = body.partition("(?:\n")
    branches = re.split(r"\n  \| (?=\(\?P<)", "\n" + rest.rsplit("\n    )", 1)[0])
    keep = []
    for b in branches:
        name = re.search(r"\(\?P<(\w+)>", b).group(1)
        if first == "digit":
            wanted = name in _DIGIT_FIRST
        elif first == "address":
            wanted = name == "addr"
        else:
            wanted = name not in _DIGIT_ONLY
        if wanted:
            keep.append(b.strip())
    guard = head.rstrip()  # the same start condition as the full pattern
    return re.compile(guard + "(?:" + "\n  | ".join(keep) + ")", re.VERBOSE | re.IGNORECASE)


# branches that can only start at a digit (or the '+' / '(' of a phone number)
_DIGIT_ONLY = {"phone", "ssn", "nhs", "time", "time1", "age", "agemf", "digits"}
_DIGIT_FIRST = _DIGIT_ONLY | {"date"}  # dates start with a day number or a month name
_STRUCT_DIGIT = _branch_subset("digit")
_STRUCT_OTHER = _branch_subset("other")
_STRUCT_ADDR = _branch_subset("address")

# groups whose value sub-group is replaced (the cue stays)
_VALUE_GROUP = {
    "idc": ("idv", "ID"),
    "phc": ("phcv", "PHONE"),
    "phb": ("phbv", "PHONE"),
    "wdc": ("wdv", "DATE"),
    "tcue": ("tcv", "TIME"),
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
_DIGIT_RUN = re.compile(r"\d+")
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

_TOKEN_RE = re.compile(r"\[(?:" + "|".join(TOKENS) + r")\]")
_TIME1_CUE = re.compile(
    r"(?:\b(?:at|by|around|about|approx\.?|approximately|from|until|till|after|before|@)\s*)$",
    re.IGNORECASE,
)
_DIGIT_COUNT = re.compile(r"\d")
_UPPER_RE = re.compile(r"[A-Z]")


def _valid_numeric_date(s: str) -> bool:
    parts = re.split(r"[/.-]", s)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True
    try:
        a, b, c = (int(p) for p in parts)
    except ValueError:
        return False
    if len(parts[0]) == 4:  # ISO
        return 1 <= b <= 12 and 1 <= c <= 31
    if not (1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12)):
        return False
    return len(parts[2]) in (2, 4)


_NEXT_DIGIT = re.compile(r"\s*:?\s*(?:the\s+)?\d")  # cue directly before a number
_DIGIT_AHEAD = re.compile(r"\d")
# cue word -> how it must be followed: "n" = by a number, "w" = a digit within 72 chars
_CUES: dict[str, str] = dict.fromkeys(
    _words(
        """at by around about approx approximately from until till til between and to after
        before january february march april may june july august september october november
        december jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur
        thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday aged age
        ages"""
    ),
    "n",
)
_CUES.update(
    dict.fromkeys(
        _words(
            """nhs mrn hospital staff employee patient record case unit account insurance
            badge member payroll registration reference ref ur urn cr health healthcard ssn
            sin chi medicare pas agency datix incident complaint bed-card bedcard bed id
            aadhaar ohip nhi bleep pager page ext extension tel dect phone mobile cell bleeped
            paged rang called phoned she he they pt lady man woman gentleman gent mum dad
            mother father husband wife resident grandmother grandfather nan grandma grandad
            flat apt apartment suite"""
        ),
        "w",
    )
)
_BUILDING = {"court", "house", "lodge", "mansions", "tower", "building", "heights"}


def _word_alternation(words: Iterable[str]) -> str:
    """An alternation grouped by first letter, which the regex engine tries much faster."""
    groups: dict[str, list[str]] = {}
    for w in sorted(set(words), key=lambda w: (-len(w), w)):
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    return "|".join(f"{k}(?:{'|'.join(v)})" for k, v in sorted(groups.items()))


# cue and building words as whole lower-case words (same segmentation as [a-z]+)
_CUE_WORD = re.compile(
    r"(?<![a-z])(?:" + _word_alternation(list(_CUES) + list(_BUILDING)) + r")(?![a-z])"
)


def _candidates(text: str, low: str) -> list[int]:
    """Positions where a structured identifier can start: at a number (or the '+', '(',
    'x' or upper-case code right before it) and at cue words followed by a number."""
    cands: list[int] = []
    add = cands.append
    for m in _DIGIT_RUN.finditer(text):
        p = m.start()
        add(p)
        k = p - 1
        if k >= 0:
            ch = text[k]
            if ch in "+(@x":
                add(k)
            elif ch == "-" and k >= 1 and text[k - 1].isupper():
                k -= 1
            k2 = k
            while k2 >= 0 and p - k2 <= 6 and "A" <= text[k2] <= "Z":
                k2 -= 1
            if k2 < k:
                add(k2 + 1)
            k3 = k
            while k3 >= 0 and text[k3].isspace():
                k3 -= 1
            if k3 < k and k3 >= 0 and text[k3] in "(+@":  # "( 020", "@ 0300"
                add(k3)
            if k3 < k and k3 >= 1 and text[k3 - 1 : k3 + 1].isupper():  # "IL 62704"
                add(k3 - 1)
    n = len(text)
    for m in _CUE_WORD.finditer(low):
        w = m.group()
        need = _CUES.get(w)
        if need is None:
            if w in _BUILDING and m.start() >= 2:
                k = m.start() - 1
                while k >= 0 and low[k].isspace():
                    k -= 1
                while k >= 0 and low[k].isalpha():
                    k -= 1
                add(k + 1)
            continue
        e = m.end()
        if need == "n":
            if _NEXT_DIGIT.match(low, e) is None:
                continue
        elif _DIGIT_AHEAD.search(text, e, min(n, e + 72)) is None:
            continue
        add(m.start())
    cands.sort()
    return cands


def _matches(text: str):
    """Valid matches of the combined pattern, tried only where one can start (see
    :func:`_candidates`). Same result as trying every position in turn
    (:func:`_matches_reference`, the tests check this) but several times faster."""
    low = text.lower()
    if "@" in text or "://" in text or "ww." in low:
        yield from _WEB.finditer(text)
    if len(low) != len(text):  # rare case-mapping that changes length: plain scan
        yield from _scan(text)
        return
    last = -1
    match_digit = _STRUCT_DIGIT.match
    match_other = _STRUCT_OTHER.match
    match_addr = _STRUCT_ADDR.match
    for pos in _candidates(text, low):
        if pos < last:
            continue
        c = text[pos]
        if c.isdigit() or c in "+(":
            m = match_digit(text, pos)
            if m is None and c.isdigit():
                m = match_addr(text, pos)  # a street address starting with its number
        else:
            m = match_other(text, pos)
        if m is not None and m.end() > pos and _span(text, m) is not None:
            last = m.end()
            yield m


def _scan(text: str):
    pos = 0
    search = _STRUCT.search
    while True:
        m = search(text, pos)
        if m is None:
            return
        if m.end() > m.start() and _span(text, m) is not None:
            yield m
            pos = m.end()
        else:
            pos = m.start() + 1


def _matches_reference(text: str):
    """Plain scan of every position, used by the tests to check :func:`_matches`."""
    if "@" in text or "://" in text or "ww." in text.lower():
        yield from _WEB.finditer(text)
    yield from _scan(text)


def _span(text: str, m: re.Match) -> tuple[int, int, str] | None:
    """The replaced span of a match and its kind, or None if the match is not valid."""
    group = m.lastgroup
    if group is None:
        return None
    if group in _VALUE_GROUP:
        sub, kind = _VALUE_GROUP[group]
        start, end = m.span(sub)
    else:
        kind = _WHOLE_GROUP[group]
        start, end = m.span()
    value = text[start:end]
    if group in _CASE_SENSITIVE_GROUPS:
        if group == "addr" and not value[:1].isupper() and not value[:1].isdigit():
            return None
        if group == "pcuk" and (value.upper() != value or not _UPPER_RE.search(value)):
            return None
        if group == "pcus" and not text[m.start() : m.start() + 2].isupper():
            return None
        if group == "hospno" and (value.upper() != value or len(value) < 6):
            return None
    if group == "phone":
        n = len(_DIGIT_COUNT.findall(value))
        if n < 9 or n > 17:
            return None
    elif (
        (group == "date" and not _valid_numeric_date(value))
        or (group == "time1" and not _TIME1_CUE.search(text, max(0, start - 20), start))
        or (group == "idc" and len(_DIGIT_COUNT.findall(value)) < 3)
    ):
        return None
    return start, end, kind


def _structured(text: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _matches(text):
        span = _span(text, m)
        if span is not None:
            found.append(span)
    return found


# ------------------------------------------------------------------------- names

_WORD_RE = re.compile(
    r"[^\W\d_]+(?:['’\-][^\W\d_]+|\.[^\W\d_](?![^\W\d_]))*\.?|\[[A-Z]+\]|\d+|\S", re.UNICODE
)


_FEATURES: dict[str, tuple] = {}
# lower-case words that can start a name rule (names themselves are checked separately)
_TRIGGERS = frozenset(_TITLES) | _ROLES | _TITLE_PREFIX | {t.rstrip(".") for t in _TITLES}


def _features(text: str) -> tuple:
    f = _FEATURES.get(text)
    if f is not None:
        return f
    base = text
    if base.endswith("."):
        base = base[:-1]
    if base[-2:].lower() in ("'s", "’s") and len(base) > 2:
        base = base[:-2]
    alpha = bool(base) and base[0].isalpha()
    key = _fold(base)
    cap = alpha and base[0].isupper()
    f = (
        len(base),
        key,
        alpha,
        cap,
        alpha and base.isupper() and len(base) > 1,
        alpha and base[0].islower(),
        alpha and (cap or key in _TRIGGERS or key in _load_names()[0]),
    )
    if len(_FEATURES) > 50_000:
        _FEATURES.clear()
    _FEATURES[text] = f
    return f


class _Tok(NamedTuple):
    """A word or punctuation mark of the narrative, with the features the name rules use."""

    text: str
    start: int
    end: int
    base_end: int  # end without a possessive 's or a trailing full stop
    key: str  # folded base, for list look-ups
    alpha: bool
    cap: bool
    upper: bool
    lower: bool
    trig: bool  # capitalised, or a title/role word, or a given name: may start a name rule


_new_tuple = tuple.__new__


def _tokens(text: str) -> list[_Tok]:
    feats = _FEATURES
    out = []
    append = out.append
    for m in _WORD_RE.finditer(text):
        g = m.group()
        s = m.start()
        f = feats.get(g) or _features(g)
        append(_new_tuple(_Tok, (g, s, s + len(g), s + f[0], *f[1:])))
    return out


class Scrubber:
    def __init__(self, names: Iterable[str] = ()) -> None:
        self._given, self._surnames, self._raw = _load_names()
        extra = sorted(
            {n.strip() for n in names if isinstance(n, str) and n.strip()}, key=len, reverse=True
        )
        self._extra = (
            re.compile(
                r"(?<![\w\[])(?:" + "|".join(re.escape(n) for n in extra) + r")(?![\w\]])",
                re.IGNORECASE,
            )
            if extra
            else None
        )

    # -- public API ---------------------------------------------------------------

    def scrub(self, text: str, keep: Iterable[str] = ()) -> ScrubResult:
        if not isinstance(text, str):
            text = str(text)
        if not text:
            return ScrubResult("", ())
        protected: list[tuple[int, int]] = [m.span() for m in _TOKEN_RE.finditer(text)]
        for k in keep:
            if not isinstance(k, str) or not k:
                continue
            i = text.find(k)
            while i != -1:
                protected.append((i, i + len(k)))
                i = text.find(k, i + len(k))
        spans: list[tuple[int, int, str]] = []
        if self._extra is not None:
            spans.extend((m.start(), m.end(), "NAME") for m in self._extra.finditer(text))
        spans.extend(_structured(text))
        occupied = _Occupancy(protected)
        accepted: list[tuple[int, int, str]] = []
        for s in spans:
            if s[1] > s[0] and occupied.free(s[0], s[1]):
                occupied.add(s[0], s[1])
                accepted.append(s)
        for s in self._names(text, occupied):
            if occupied.free(s[0], s[1]):
                occupied.add(s[0], s[1])
                accepted.append(s)
        accepted.sort()
        self._ages_after_names(text, accepted, occupied)
        _time_continuations(text, accepted, occupied)
        _long_digit_runs(text, accepted, occupied)
        return _build(text, accepted)

    # -- names --------------------------------------------------------------------

    def _is_known(self, key: str) -> bool:
        return key in self._given or key in self._surnames or self._hyphen_known(key)

    def _hyphen_known(self, key: str) -> bool:
        if "-" not in key:
            return False
        parts = [p for p in key.split("-") if p]
        if len(parts) < 2 or any(p in _COMMON and p not in ("al", "el") for p in parts):
            return False
        return any(p in self._given or p in self._surnames for p in parts)

    def _names(self, text: str, occupied: _Occupancy) -> list[tuple[int, int, str]]:
        toks = _tokens(text)
        n = len(toks)
        if n == 0:
            return []
        # words inside identifiers already found are barriers, not name material
        spans = sorted(occupied.spans)
        if spans:
            k = 0
            for i, t in enumerate(toks):
                while k < len(spans) and spans[k][1] <= t.start:
                    k += 1
                if k == len(spans):
                    break
                if spans[k][0] < t.end:
                    toks[i] = t._replace(
                        text="\x00", alpha=False, cap=False, upper=False, lower=False, trig=False
                    )

        def is_start(i: int) -> bool:
            """Token i begins a sentence, a line or a list item."""
            if i == 0:
                return True
            p = toks[i - 1]
            if "\n" in text[p.end : toks[i].start]:
                return True
            if not p.alpha:
                return p.text in '.!?:;•*-–—("“'
            return p.text.endswith(".") and p.key not in _TITLES and len(p.key) > 2

        found: list[tuple[int, int, str]] = []
        is_name = [False] * n
        cued = [False] * n  # found from a role cue
        title_start: dict[int, int] = {}

        def word(i: int) -> _Tok | None:
            return toks[i] if 0 <= i < n and toks[i].alpha else None

        def adjacent(i: int, j: int) -> bool:
            """toks i and j (j = i+1) separated by plain spaces only."""
            gap = text[toks[i].end : toks[j].start]
            return 0 < len(gap) <= 3 and gap.isspace() and "\n" not in gap

        def eponym_context(i: int) -> bool:
            t = toks[i]
            nxt = word(i + 1)
            if nxt is not None and nxt.key in _EPONYM_FOLLOWERS and adjacent(i, i + 1):
                return True
            prv = word(i - 1)
            return bool(prv is not None and prv.key.rstrip(".") in _PLACE_PRECEDERS and
                        prv.cap and adjacent(i - 1, i) and t.cap)  # fmt: skip

        def after_article(i: int) -> bool:
            """'a Hickman', 'the McGrath': a thing named after someone, not a person."""
            prv = word(i - 1)
            nxt = word(i + 1)
            if nxt is not None and nxt.key in ("family", "household", "twins"):
                return False  # "the Hassan family" names people
            return (
                prv is not None
                and prv.text in ("a", "an", "the", "A", "An", "The")
                and adjacent(i - 1, i)
            )

        def name_like_cap(i: int, allow_common: bool = False) -> bool:
            t = word(i)
            if t is None or not t.cap or t.upper and not self._is_known(t.key):
                return False
            if t.key in _TITLES or t.key in _LOCATION_WORDS or eponym_context(i):
                return False
            if t.key in _COMMON and not allow_common:
                return False
            return not (t.key in _ROLES and not allow_common)

        def lower_name(i: int) -> bool:
            t = word(i)
            return bool(
                t is not None
                and (t.lower or t.upper)
                and t.key not in _COMMON
                and t.key not in _AMBIGUOUS
                and t.key not in _ROLES
                and self._is_known(t.key)
            )

        # 1. seeds
        for i, t in enumerate(toks):
            if not t.trig or is_name[i]:
                continue
            key = t.key
            # titles
            tk = t.text.lower().rstrip(",")
            if tk in _TITLES and i + 1 < n:
                strong = _TITLES[tk]
                first = i
                prv = word(i - 1)
                determined = False
                if (
                    prv is not None
                    and adjacent(i - 1, i)
                    and not strong
                    and not prv.text.endswith(".")
                ):
                    if (
                        tk in ("nurse", "sister", "doctor")
                        and prv.key in _TITLE_PREFIX
                        and prv.cap
                        and not prv.upper
                        and t.cap
                    ):
                        first = i - 1  # "Charge Nurse Adebayo": the title goes in the token
                    elif prv.upper or prv.key in _MODIFIERS or prv.key in _TITLE_PREFIX:
                        determined = True  # "student nurse X", "RRT nurse X": a role
                k = first - 1
                while k >= 0 and k >= first - 4 and toks[k].alpha and adjacent(k, k + 1):
                    if toks[k].text.endswith("."):
                        break
                    if toks[k].key in _DETERMINERS:
                        determined = True
                        break
                    if not (toks[k].upper or toks[k].key in _MODIFIERS):
                        break
                    k -= 1
                if determined and not strong:
                    continue
                j = i + 1
                if not adjacent(i, j):
                    continue
                nt = toks[j]
                ok = False
                if text[nt.end : nt.end + 1].isdigit():
                    ok = False  # "Sister FY1s": a grade or code, not a name
                elif _is_initial(nt):
                    ok = True
                elif nt.alpha:
                    if t.upper and tk.rstrip(".") in ("mr", "ms", "dr", "sr"):
                        ok = nt.upper and nt.key not in _COMMON and nt.key not in _ROLES
                    elif nt.cap and not nt.upper:
                        ok = (
                            strong
                            or (nt.key not in _COMMON and nt.key not in _ROLES)
                            or nt.key in _AMBIGUOUS
                        ) and nt.key not in _LOCATION_WORDS - {"ward"}
                        if nt.key in _TITLES:
                            ok = False
                    elif nt.upper:
                        ok = nt.key not in _COMMON and nt.key not in _ROLES
                    elif nt.lower:
                        ok = (
                            nt.key not in _COMMON
                            and nt.key not in _ROLES
                            and nt.key not in _AMBIGUOUS
                            and (strong or self._is_known(nt.key))
                            and (not t.lower or strong or self._is_known(nt.key))
                        )
                        if tk in ("miss",) and not self._is_known(nt.key):
                            ok = False
                    if nt.key in _PARTICLES and not nt.cap:
                        k = j
                        while k < n and toks[k].alpha and toks[k].key in _PARTICLES:
                            k += 1
                        ok = k < n and toks[k].cap and k - j <= 3
                    if (
                        not ok
                        and strong
                        and nt.cap
                        and not t.upper
                        and nt.key in _TITLES
                        and not name_like_cap(j + 1)
                        and not (j + 1 < n and toks[j + 1].text.startswith("["))
                    ):
                        ok = True
                if ok:
                    is_name[first] = True
                    title_start[j] = first
                    for k in range(first, j):
                        is_name[k] = True
                    is_name[j] = True
                continue
            if key in _ROLES or (
                key in _TITLE_PREFIX and word(i + 1) and word(i + 1).key in _ROLES
            ):
                # role word: the next word (after an optional comma) may be a name
                j = i + 1
                if t.text.endswith("."):
                    continue
                if j < n and toks[j].text == ",":
                    j += 1
                if j >= n or not toks[j].alpha or toks[j].key in _TITLES:
                    continue
                gap = text[toks[j - 1].end : toks[j].start]
                if "\n" in gap:
                    continue
                if name_like_cap(j) or (toks[j].cap and toks[j].key in _AMBIGUOUS) or lower_name(j):
                    is_name[j] = True
                    cued[j] = True
                continue
            if is_name[i]:
                continue
            # name lists
            if t.cap and not t.upper and self._is_known(key) and key not in _AMBIGUOUS:
                if len(key) <= 2 and key not in _SHORT_NAMES:
                    continue
                if not eponym_context(i) and not after_article(i):
                    is_name[i] = True
                    continue
            if t.lower and key in self._given and key not in _AMBIGUOUS and len(key) > 3:
                nxt = word(i + 1)
                if not (nxt is not None and nxt.key in _EPONYM_FOLLOWERS):
                    is_name[i] = True
                    continue
            # verb cues: "X said", "told X", apposition "X the HCA"
            if t.cap and not t.upper and len(key) > 1 and (key not in _COMMON or key in _AMBIGUOUS):
                if key in _ROLES or key in _TITLES or key in _LOCATION_WORDS or eponym_context(i):
                    continue
                nxt = word(i + 1)
                prv = word(i - 1)
                if (
                    nxt is not None
                    and nxt.key in _SPEECH_VERBS
                    and adjacent(i, i + 1)
                    and (not is_start(i) or key in _AMBIGUOUS)
                ):
                    is_name[i] = True
                    continue
                if prv is not None and prv.key in _OBJECT_VERBS and adjacent(i - 1, i):
                    is_name[i] = True
                    continue
                if (
                    prv is not None
                    and prv.key in ("to", "with")
                    and adjacent(i - 1, i)
                    and i >= 2
                    and toks[i - 2].key in _TALK_VERBS
                    and adjacent(i - 2, i - 1)
                ):
                    is_name[i] = True
                    continue
                if not t.text.endswith(".") and len(key) > 1 and _apposition(toks, i, n):
                    is_name[i] = True
                    continue

        # 2. extend seeds over adjacent name-like words, initials and particles
        # (right over the tokens in order, left in reverse, so a long run is one pass)
        changed = True
        while changed:
            changed = False
            for i in range(n):
                if not is_name[i]:
                    continue
                j = i + 1
                if (
                    j < n
                    and not is_name[j]
                    and adjacent(i, j)
                    and not _ends_possessive(toks[i])
                    and not _ends_sentence(toks[i])
                ):
                    nt = toks[j]
                    ext = False
                    if _is_initial(nt) and j + 1 < n and name_like_cap(j + 1, True):
                        ext = True
                    elif nt.alpha and nt.key in _PARTICLES and not nt.upper and j + 1 < n:
                        nn = word(j + 1)
                        ext = bool(nn is not None and nn.cap and adjacent(j, j + 1)
                                   and nn.key not in _COMMON)  # fmt: skip
                    elif nt.cap and not nt.upper:
                        ext = (
                            (nt.key not in _COMMON or nt.key in self._raw)
                            and nt.key not in _ROLES
                            and nt.key not in _TITLES
                            and nt.key not in _LOCATION_WORDS
                            and not (is_start(j))
                        )
                    elif nt.upper and toks[i].upper:
                        ext = self._is_known(nt.key) and nt.key not in _COMMON
                    elif nt.lower and toks[i].lower:
                        ext = lower_name(j) and nt.key in self._surnames
                    if ext:
                        is_name[j] = True
                        changed = True
            for i in range(n - 1, 0, -1):
                if not is_name[i]:
                    continue
                k = i - 1
                if (
                    k >= 0
                    and not is_name[k]
                    and adjacent(k, i)
                    and toks[k].cap
                    and not toks[k].upper
                    and (toks[k].key not in _COMMON or toks[k].key in _AMBIGUOUS)
                    and toks[k].key not in _ROLES
                    and toks[k].key not in _TITLES
                    and toks[k].key not in _PLACE_PRECEDERS
                    and toks[k].key not in _LOCATION_WORDS
                    and not _ends_possessive(toks[k])
                    and not _ends_sentence(toks[k])
                    and (not is_start(k) or self._is_known(toks[k].key))
                    and toks[i].cap
                ):
                    is_name[k] = True
                    changed = True

        # 3. a capitalised unknown word joined by "and"/"or"/"&" to a name is a name, and a
        # word found as a name anywhere is a name everywhere it is capitalised
        caps = [i for i in range(n) if toks[i].cap and not toks[i].upper]
        for i in caps:
            t = toks[i]
            if is_name[i] or t.key in _COMMON or t.key in _ROLES or t.key in _TITLES:
                continue
            if is_start(i) or t.key in _LOCATION_WORDS or eponym_context(i) or after_article(i):
                continue
            for a, b in ((i - 2, i - 1), (i + 2, i + 1)):
                if (
                    0 <= a < n
                    and is_name[a]
                    and toks[b].text in ("and", "or", "&", "nor")
                    and adjacent(min(a, b), max(a, b))
                    and adjacent(min(i, b), max(i, b))
                ):
                    is_name[i] = True
                    break
        known = {toks[i].key for i in range(n) if is_name[i] and toks[i].alpha}
        known -= _ROLES | _PARTICLES | set(_TITLES)
        for i in caps:
            key = toks[i].key
            if is_name[i] or key not in known or eponym_context(i):
                continue
            if key in _COMMON or key in _AMBIGUOUS:
                # an everyday word found as a name once ("HCA, Precious"): elsewhere only
                # mid-sentence or as the subject of a verb
                nxt = word(i + 1)
                if is_start(i) and not (
                    nxt is not None and nxt.key in _SUBJECT_VERBS and adjacent(i, i + 1)
                ):
                    continue
            is_name[i] = True

        # 4. spans: runs of consecutive name tokens
        titled = set(title_start.values())
        i = 0
        while i < n:
            if not is_name[i]:
                i += 1
                continue
            j = i
            while (
                j + 1 < n
                and is_name[j + 1]
                and adjacent(j, j + 1)
                and not _ends_possessive(toks[j])
                and not _ends_sentence(toks[j])
            ):
                j += 1
            nxt = word(j + 1)
            if (
                nxt is not None
                and nxt.key in _EPONYM_FOLLOWERS
                and adjacent(j, j + 1)
                and not any(k in titled for k in range(i, j + 1))
                and not cued[i]
                and (j == i or nxt.key not in _LOCATION_WORDS)
            ):
                i = j + 1  # "Jackson Rees circuit", "Baxter pump": an eponym, not a person
                continue
            start = toks[i].start
            last = toks[j]
            end = last.base_end
            if end < last.end and last.text.endswith(".") and not _is_initial(last):
                end = last.base_end
            elif _is_initial(last) or (last.key.rstrip(".") in _TITLES):
                end = last.end
            found.append((start, end, "NAME"))
            i = j + 1
        return found

    def _ages_after_names(
        self, text: str, accepted: list[tuple[int, int, str]], occupied: _Occupancy
    ) -> None:
        extra = []
        for _s, e, kind in accepted:
            if kind != "NAME":
                continue
            m = _AGE_AFTER_NAME.match(text, e)
            if m and occupied.free(m.start(1), m.end(1)):
                occupied.add(m.start(1), m.end(1))
                extra.append((m.start(1), m.end(1), "AGE"))
        if extra:
            accepted.extend(extra)
            accepted.sort()


_TIME_NEXT = re.compile(
    r"\s*(?:-|–|to|and|or|,|&|then)\s*((?:[01]\d|2[0-3]):?[0-5]\d(?:\s*(?:hrs|hr|h)(?![a-z]))?)(?![\d.,:]\d)"
    + _UNIT_AFTER,
    re.IGNORECASE,
)


def _time_continuations(
    text: str, accepted: list[tuple[int, int, str]], occupied: _Occupancy
) -> None:
    """'0200-0400', 'at 0200, 0400, 0600': four-digit times following a time."""
    extra = []
    for _s, e, kind in accepted:
        while kind == "TIME":
            m = _TIME_NEXT.match(text, e)
            if m is None or not occupied.free(m.start(1), m.end(1)):
                break
            occupied.add(m.start(1), m.end(1))
            extra.append((m.start(1), m.end(1), "TIME"))
            e = m.end(1)
    if extra:
        accepted.extend(extra)
        accepted.sort()


_AGE_AFTER_NAME = re.compile(r",\s*(9\d|1[01]\d)\s*(?=[,)])")


def _is_initial(t: _Tok) -> bool:
    s = t.text
    return len(s) in (1, 2) and s[0].isupper() and s[0].isalpha() and (len(s) == 1 or s[1] == ".")


def _ends_sentence(t: _Tok) -> bool:
    """A word with a full stop that is not an initial or a title: a name cannot run on."""
    return t.text.endswith(".") and not _is_initial(t) and t.key not in _TITLES


def _ends_possessive(t: _Tok) -> bool:
    return t.base_end < t.end and not t.text.endswith(".")


_SUBJECT_VERBS = _words(
    """was is had has went came said says told asked did called rang took gave found saw
    felt thought knew left stayed arrived refused agreed noticed tried helped stayed"""
)
_TALK_VERBS = _words(
    """spoke speak speaking talked talk talking chatted chat handed over handover met
    worked working escalated explained complained apologised apologized went reported
    thanks thank grateful"""
)


def _apposition(toks: list[_Tok], i: int, n: int) -> bool:
    """'X the HCA', 'X, the new ward manager', 'X is a great nurse'"""
    j = i + 1
    if j < n and toks[j].text == ",":
        j += 1
    if j < n and toks[j].text in ("is", "was") and j == i + 1:
        j += 1
        if j >= n or toks[j].text not in ("the", "a", "an", "our", "my"):
            return False
    elif j >= n or toks[j].text != "the":
        return False
    for k in range(j + 1, min(j + 4, n)):
        if toks[k].key in _ROLES:
            return True
        if not toks[k].alpha or toks[k].key in ("was", "is", "had", "has", "and", "of"):
            return False
    return False


_LONG_DIGITS = re.compile(r"\d{6,}")


def _long_digit_runs(text: str, accepted: list[tuple[int, int, str]], occupied: _Occupancy) -> None:
    """Safety net: any run of six or more digits not already replaced becomes [ID]
    (the parts of it that no replacement or kept text covers)."""
    extra = []
    starts, ends = occupied.starts, occupied.ends
    for m in _LONG_DIGITS.finditer(text):
        pos, end = m.span()
        i = bisect_right(starts, pos)
        if i and ends[i - 1] > pos:
            i -= 1
        while pos < end:
            if i < len(starts) and starts[i] < end:
                if starts[i] > pos:
                    extra.append((pos, starts[i], "ID"))
                pos = max(pos, ends[i])
                i += 1
            else:
                extra.append((pos, end, "ID"))
                break
    if extra:
        accepted.extend(extra)
        accepted.sort()


class _Occupancy:
    """Sorted, non-overlapping occupied spans with logarithmic look-ups."""

    __slots__ = ("starts", "ends")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(spans):
            if self.ends and start < self.ends[-1]:  # overlapping protected spans: merge
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    @property
    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.starts, self.ends, strict=True))

    def free(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        if i and self.ends[i - 1] > start:
            return False
        return not (i < len(self.starts) and self.starts[i] < end)

    def add(self, start: int, end: int) -> None:
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _build(text: str, spans: list[tuple[int, int, str]]) -> ScrubResult:
    out: list[str] = []
    reps: list[Replacement] = []
    pos = 0
    length = 0
    for start, end, kind in spans:
        if start < pos:
            continue
        chunk = text[pos:start]
        out.append(chunk)
        length += len(chunk)
        token = "[" + kind + "]"
        reps.append(Replacement(kind, text[start:end], length, length + len(token)))
        out.append(token)
        length += len(token)
        pos = end
    out.append(text[pos:])
    return ScrubResult("".join(out), tuple(reps))


_DEFAULT: Scrubber | None = None


def scrub(text: str, keep: Iterable[str] = ()) -> ScrubResult:
    """Scrub ``text`` with the default :class:`Scrubber`."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Scrubber()
    return _DEFAULT.scrub(text, keep)
