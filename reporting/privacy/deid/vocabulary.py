"""Everyday and clinical words that are not names, and the short words names are built from.

The name rules find people from cues rather than from a closed list, so they need to know
which capitalised words are ordinary vocabulary (``Ward``, ``Morphine``, ``Parkinson``),
which given names double as everyday words (``Will``, ``Grace``) and so need a cue, and
which short words join the parts of a name (``van der``, ``bin``, ``Ní``).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """A word set from a whitespace-separated block, so long lists read as prose."""
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
    "dela",
    "los",
    "las",
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
